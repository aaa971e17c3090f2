package main

import (
	"fmt"
	"io"
	"path/filepath"
	"sync"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/embedded"
	"github.com/herd-llm/herd/internal/describe"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

// loadModel opens the model named by -m (checkpoint.Load); with no -m it
// is the embedded default model.
func loadModel(path string) (*llama4.Model, error) {
	if path == "" {
		m, _, err := loadEmbedded()
		return m, err
	}
	return checkpoint.Load(path)
}

// isGGUF reports whether -m names a GGUF file (checkpoint.IsGGUF).
func isGGUF(path string) bool { return checkpoint.IsGGUF(path) }

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

// errNoTokenizer reports a model without tokenizer files.
var errNoTokenizer = checkpoint.ErrNoTokenizer

// loadTokenizer loads the tokenizer of -m (checkpoint.LoadTokenizer), or
// the embedded one with no -m.
func loadTokenizer(dir string, m *llama4.Model) (*tokenizer.Tokenizer, error) {
	if dir != "" {
		return checkpoint.LoadTokenizer(dir, m)
	}
	em, tok, err := loadEmbedded()
	if err != nil {
		return nil, err
	}
	if m != em {
		return nil, fmt.Errorf("internal: the embedded tokenizer belongs to the embedded model")
	}
	return tok, nil
}

// applyQuant quantizes m in place when scheme (a --quant value) is set,
// reporting what changed.
func applyQuant(m *llama4.Model, scheme string, stderr io.Writer, quiet bool) error {
	s, err := checkpoint.ParseScheme(scheme)
	if err != nil {
		return usagef("--quant: %v", err)
	}
	if s == checkpoint.SchemeNone {
		return nil
	}
	rep, err := checkpoint.Quantize(m, s)
	if err != nil {
		return usagef("--quant: %v", err)
	}
	if !quiet {
		fmt.Fprintf(stderr, "quantized to %s: %d matrices converted (%s), %d kept; weights now %.1f MB\n",
			rep.Scheme, rep.Converted, describe.TypeCounts(rep.ByType), rep.Kept, float64(rep.BytesAfter)/1e6)
	}
	return nil
}

const quantHelp = "quantize weights while loading: q8_0, q4_0, q4_k, q6_k, int4 (Meta int4_mixed: experts) or fp8 (Meta fp8_mixed: routed experts)"
