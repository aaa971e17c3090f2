package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/herd-llm/herd/embedded"
	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

// loadModel opens the model named by -m: a Hugging Face directory
// (config.json + safetensors) or a GGUF file (llama.cpp's llama4 layout).
// With no -m it is the embedded default model.
func loadModel(path string) (*llama4.Model, error) {
	if path == "" {
		m, _, err := loadEmbedded()
		return m, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	if !st.IsDir() {
		if isGGUF(path) {
			m, _, err := llama4.LoadGGUF(path)
			return m, err
		}
		return nil, fmt.Errorf("model %s: neither a directory nor a GGUF file (want a Hugging Face model directory with config.json and safetensors, or a .gguf file)", path)
	}
	return llama4.LoadHF(path)
}

// isGGUF reports whether path is a regular file that starts with the GGUF
// magic, or failing that is named *.gguf (so that a broken .gguf gets the
// GGUF reader's error rather than a generic one).
func isGGUF(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	if n, _ := io.ReadFull(f, magic[:]); n == 4 && string(magic[:]) == gguf.Magic {
		return true
	}
	return strings.EqualFold(filepath.Ext(path), ".gguf")
}

var (
	embeddedOnce  sync.Once
	embeddedModel *llama4.Model
	embeddedTok   *tokenizer.Tokenizer
	embeddedErr   error
)

// loadEmbedded returns the built-in model (package embedded), loaded once per
// process from the binary's own memory.
func loadEmbedded() (*llama4.Model, *tokenizer.Tokenizer, error) {
	embeddedOnce.Do(func() {
		embeddedModel, embeddedTok, embeddedErr = embedded.Load()
	})
	return embeddedModel, embeddedTok, embeddedErr
}

// modelName is how a -m value is shown: the embedded model's name when empty.
func modelName(path string) string {
	if path == "" {
		return embedded.Name
	}
	return filepath.Base(filepath.Clean(path))
}

// errNoTokenizer reports a model directory without tokenizer files.
var errNoTokenizer = errors.New("no tokenizer")

// loadTokenizer loads the tokenizer of a model directory (or the one
// embedded in a GGUF file) and checks it fits the model's vocabulary. It
// returns errNoTokenizer (wrapped) when the directory has neither
// tokenizer.model nor tokenizer.json, or the GGUF no tokenizer metadata.
func loadTokenizer(dir string, m *llama4.Model) (*tokenizer.Tokenizer, error) {
	if dir == "" {
		em, tok, err := loadEmbedded()
		if err != nil {
			return nil, err
		}
		if m != em {
			return nil, fmt.Errorf("internal: the embedded tokenizer belongs to the embedded model")
		}
		return tok, nil
	}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() && isGGUF(dir) {
		return loadGGUFTokenizer(dir, m)
	}
	has := false
	for _, n := range []string{tokenizer.TiktokenFile, tokenizer.HFFile} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			has = true
		}
	}
	if !has {
		return nil, fmt.Errorf("model %s: %w (no %s or %s)", dir, errNoTokenizer, tokenizer.TiktokenFile, tokenizer.HFFile)
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return nil, err
	}
	if tok.VocabSize() > m.Config.VocabSize {
		return nil, fmt.Errorf("model %s: tokenizer has %d tokens but the model's vocabulary is %d", dir, tok.VocabSize(), m.Config.VocabSize)
	}
	return tok, nil
}

// loadGGUFTokenizer builds the tokenizer embedded in a GGUF file.
func loadGGUFTokenizer(path string, m *llama4.Model) (*tokenizer.Tokenizer, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !tokenizer.HasGGUFTokenizer(f) {
		return nil, fmt.Errorf("model %s: %w (no tokenizer.ggml.tokens in the GGUF metadata)", path, errNoTokenizer)
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return nil, err
	}
	if tok.VocabSize() > m.Config.VocabSize {
		return nil, fmt.Errorf("model %s: tokenizer has %d tokens but the model's vocabulary is %d", path, tok.VocabSize(), m.Config.VocabSize)
	}
	return tok, nil
}

// applyQuant quantizes m in place when scheme is set, reporting what changed.
func applyQuant(m *llama4.Model, scheme string, stderr io.Writer, quiet bool) error {
	if scheme == "" || scheme == "none" {
		return nil
	}
	rep, err := m.Quantize(scheme)
	if err != nil {
		return usagef("--quant: %v", err)
	}
	if !quiet {
		fmt.Fprintf(stderr, "quantized to %s: %d matrices converted %v, %d kept; weights now %.1f MB\n",
			rep.Scheme, rep.Converted, rep.ByType, rep.Kept, float64(rep.BytesAfter)/1e6)
	}
	return nil
}

const quantHelp = "quantize weights while loading: q8_0, q4_0, q4_k, q6_k, int4 (Meta int4_mixed: experts) or fp8 (Meta fp8_mixed: routed experts)"
