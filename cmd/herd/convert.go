package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/herd-llm/herd/checkpoint/ggufwrite"
	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

func cmdConvert(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("convert")
	out := cl.String("o", "", "output GGUF file")
	typ := cl.String("type", "f32", "tensor type: "+strings.Join(ggufwrite.Types, ", ")+
		" (q8_0, q4_0, q4_k, q6_k: exactly --quant's weights; q4_k_m: llama-quantize's Q4_K_M mixture)")
	name := cl.String("name", "", "general.name (default: the model directory's name)")
	quiet := cl.Bool("q", false, "print nothing but errors")
	if _, err := cl.parse(args, stdout); err != nil {
		return err
	}
	model := cl.model
	ft, err := ggufwrite.ParseFileType(*typ)
	if err != nil || *typ == "" {
		return usagef("--type %q: want one of %s", *typ, strings.Join(ggufwrite.Types, ", "))
	}
	if *name == "" {
		*name = strings.TrimSuffix(filepath.Base(filepath.Clean(model)), filepath.Ext(model))
	}
	t0 := time.Now()
	line := newStepLine(stderr, "convert", *quiet) // nil unless stderr is a terminal
	defer line.end()
	stopLoad := line.phase("load " + model)
	m, err := loadModel(model)
	if err != nil {
		stopLoad()
		return err
	}
	defer m.Close()
	var extra []gguf.KV
	var tokNote string
	tok, err := loadTokenizer(model, m)
	stopLoad()
	switch {
	case err == nil:
		if extra, err = tokenizerKVs(model, m, tok); err != nil {
			return err
		}
		tokNote = fmt.Sprintf("tokenizer embedded (%d tokens, pre-tokenizer llama4)", tok.VocabSize())
	case errors.Is(err, errNoTokenizer):
		// llama.cpp needs tokenizer.ggml.model; "none" makes it load the
		// model with vocab_size dummy tokens (token-id input only).
		extra = []gguf.KV{gguf.KVString(tokenizer.GGUFKeyModel, "none")}
		tokNote = "no tokenizer in the source (tokenizer.ggml.model = none: token ids only)"
	default:
		return err
	}
	tmp := *out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 4<<20)
	rep, err := ggufwrite.Write(bw, m, ggufwrite.Options{Type: ft, Name: *name, Extra: extra, Progress: line.progress()})
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, *out)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	line.end()
	if *quiet {
		return nil
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	st, _ := os.Stat(*out)
	fmt.Fprintf(stderr, "wrote %s: %s, llama4 %s (matrices %s), %s, in %.1fs\n",
		*out, human(st.Size()), rep.Type, typeCounts(rep.ByType), tokNote, time.Since(t0).Seconds())
	return nil
}

// tokenizerKVs is the tokenizer metadata llama.cpp's converter writes:
// the vocabulary (tokenizer.GGUFMetadata), the BOS/EOS/padding ids,
// add_bos_token and the chat template when the source has one.
func tokenizerKVs(src string, m *llama4.Model, tok *tokenizer.Tokenizer) ([]gguf.KV, error) {
	c := m.Config
	kvs, err := tok.GGUFMetadata(c.VocabSize)
	if err != nil {
		return nil, err
	}
	eos := int32(-1)
	if len(c.EOS) > 0 {
		eos = int32(c.EOS[0])
	}
	var chatTemplate string
	if st, err := os.Stat(src); err == nil && st.IsDir() {
		tc := readTokenizerConfig(src)
		if id, ok := tok.TokenID(tc.EOS); ok && tc.EOS != "" {
			eos = id // what llama.cpp's converter takes: tokenizer_config.json's eos_token
		}
		chatTemplate = tc.ChatTemplate
	} else if f, err := gguf.Open(src); err == nil {
		chatTemplate = tokenizer.GGUFChatTemplate(f)
		if v, ok := f.Uint(tokenizer.GGUFKeyEOS); ok && v < uint64(c.VocabSize) {
			eos = int32(v)
		}
		f.Close()
	}
	kvs = append(kvs, gguf.KVUint32(tokenizer.GGUFKeyBOS, uint32(c.BOS)))
	if eos >= 0 {
		kvs = append(kvs, gguf.KVUint32(tokenizer.GGUFKeyEOS, uint32(eos)))
	}
	kvs = append(kvs, gguf.KVUint32(tokenizer.GGUFKeyPad, uint32(c.Pad)), gguf.KVBool(tokenizer.GGUFKeyAddBOS, true))
	if chatTemplate != "" {
		kvs = append(kvs, gguf.KVString(tokenizer.GGUFKeyChatTemplate, chatTemplate))
	}
	return kvs, nil
}

// tokenizerConfig is what convert reads from a Hugging Face directory
// besides the vocabulary.
type tokenizerConfig struct {
	EOS          string
	ChatTemplate string
}

// readTokenizerConfig reads tokenizer_config.json's eos_token and
// chat_template, or chat_template.jinja / chat_template.json, as gguf-py's
// SpecialVocab does. Missing or unreadable files give empty values.
func readTokenizerConfig(dir string) tokenizerConfig {
	var tc tokenizerConfig
	var raw struct {
		EOS          json.RawMessage `json:"eos_token"`
		ChatTemplate json.RawMessage `json:"chat_template"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "tokenizer_config.json")); err == nil && json.Unmarshal(b, &raw) == nil {
		tc.EOS = tokenName(raw.EOS)
		tc.ChatTemplate = templateOf(raw.ChatTemplate)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "chat_template.jinja")); err == nil {
		tc.ChatTemplate = string(b)
	} else if b, err := os.ReadFile(filepath.Join(dir, "chat_template.json")); err == nil {
		var ct struct {
			ChatTemplate json.RawMessage `json:"chat_template"`
		}
		if json.Unmarshal(b, &ct) == nil {
			tc.ChatTemplate = templateOf(ct.ChatTemplate)
		}
	}
	return tc
}

// tokenName reads a token given as "name" or {"content": "name", ...}.
func tokenName(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Content string `json:"content"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return o.Content
	}
	return ""
}

// templateOf reads a chat template given as a string or as a list of
// {"name", "template"} (the "default" one, else the first).
func templateOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []struct {
		Name     string `json:"name"`
		Template string `json:"template"`
	}
	if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return ""
	}
	for _, t := range list {
		if t.Name == "default" {
			return t.Template
		}
	}
	return list[0].Template
}
