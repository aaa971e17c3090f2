package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

// loadModel opens the model named by -m. Today that is a Hugging Face
// directory (config.json + safetensors).
func loadModel(path string) (*llama4.Model, error) {
	if path == "" {
		return nil, usagef("no model given: pass -m MODEL_DIR (a Hugging Face Llama 4 directory)")
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("model %s: not a directory (want a Hugging Face model directory with config.json and safetensors)", path)
	}
	return llama4.LoadHF(path)
}

// errNoTokenizer reports a model directory without tokenizer files.
var errNoTokenizer = errors.New("no tokenizer")

// loadTokenizer loads the tokenizer of a model directory and checks it fits
// the model's vocabulary. It returns errNoTokenizer (wrapped) when the
// directory has neither tokenizer.model nor tokenizer.json.
func loadTokenizer(dir string, m *llama4.Model) (*tokenizer.Tokenizer, error) {
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
