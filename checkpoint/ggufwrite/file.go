package ggufwrite

// This file: herd convert's whole-file write — the weights through Write and
// the tokenizer metadata llama.cpp's converter writes (the vocabulary, the
// BOS/EOS/padding ids, add_bos_token and the chat template, read from the
// source's tokenizer_config.json, chat_template.jinja / .json, or the source
// GGUF), written atomically (checkpoint.WriteFileAtomic).

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

// Result is what WriteFile did: the weights' report and a note on the
// tokenizer.
type Result struct {
	*Report
	Tokenizer string // "tokenizer embedded (…)" or why there is none
}

// WriteFile writes m, loaded from src (a Hugging Face directory or GGUF file),
// with src's tokenizer when it has one, as the GGUF file out per o (o.Extra
// is replaced by the tokenizer's metadata). The file appears only when
// complete.
func WriteFile(src string, m *llama4.Model, out string, o Options) (*Result, error) {
	res := &Result{}
	tok, err := checkpoint.LoadTokenizer(src, m)
	switch {
	case err == nil:
		if o.Extra, err = tokenizerKVs(src, m, tok); err != nil {
			return nil, err
		}
		res.Tokenizer = fmt.Sprintf("tokenizer embedded (%d tokens, pre-tokenizer llama4)", tok.VocabSize())
	case errors.Is(err, checkpoint.ErrNoTokenizer):
		// llama.cpp needs tokenizer.ggml.model; "none" makes it load the
		// model with vocab_size dummy tokens (token-id input only).
		o.Extra = []gguf.KV{gguf.KVString(tokenizer.GGUFKeyModel, "none")}
		res.Tokenizer = "no tokenizer in the source (tokenizer.ggml.model = none: token ids only)"
	default:
		return nil, err
	}
	err = checkpoint.WriteFileAtomic(out, func(w io.Writer) (err error) {
		res.Report, err = Write(w, m, o)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
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
