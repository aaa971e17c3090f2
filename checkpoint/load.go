package checkpoint

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

// Load opens the model at path (herd's -m): a Hugging Face directory
// (config.json + safetensors) or a GGUF file (llama.cpp's llama4 layout).
// Weights stay memory-mapped; call Close on the model to unmap.
func Load(path string) (*llama4.Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	if !st.IsDir() {
		if IsGGUF(path) {
			m, _, err := LoadGGUF(path)
			return m, err
		}
		return nil, fmt.Errorf("model %s: neither a directory nor a GGUF file (want a Hugging Face model directory with config.json and safetensors, or a .gguf file)", path)
	}
	return LoadHF(path)
}

// IsGGUF reports whether path is a regular file that starts with the GGUF
// magic, or failing that is named *.gguf (so that a broken .gguf gets the
// GGUF reader's error rather than a generic one).
func IsGGUF(path string) bool {
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

// ErrNoTokenizer reports a model without a tokenizer: a directory with
// neither tokenizer.model nor tokenizer.json, or a GGUF file without
// tokenizer metadata.
var ErrNoTokenizer = errors.New("no tokenizer")

// LoadTokenizer loads the tokenizer of the model at path (Load's path: a
// directory's tokenizer files, or the one embedded in a GGUF file) and
// checks it fits m's vocabulary. A missing tokenizer is ErrNoTokenizer
// (wrapped).
func LoadTokenizer(path string, m *llama4.Model) (*tokenizer.Tokenizer, error) {
	if st, err := os.Stat(path); err == nil && !st.IsDir() && IsGGUF(path) {
		return loadGGUFTokenizer(path, m)
	}
	has := false
	for _, n := range []string{tokenizer.TiktokenFile, tokenizer.HFFile} {
		if _, err := os.Stat(filepath.Join(path, n)); err == nil {
			has = true
		}
	}
	if !has {
		return nil, fmt.Errorf("model %s: %w (no %s or %s)", path, ErrNoTokenizer, tokenizer.TiktokenFile, tokenizer.HFFile)
	}
	tok, err := tokenizer.Load(path)
	if err != nil {
		return nil, err
	}
	return tok, fitsVocab(path, tok, m)
}

// loadGGUFTokenizer builds the tokenizer embedded in a GGUF file.
func loadGGUFTokenizer(path string, m *llama4.Model) (*tokenizer.Tokenizer, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !tokenizer.HasGGUFTokenizer(f) {
		return nil, fmt.Errorf("model %s: %w (no tokenizer.ggml.tokens in the GGUF metadata)", path, ErrNoTokenizer)
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return nil, err
	}
	return tok, fitsVocab(path, tok, m)
}

// fitsVocab checks that every token id of tok is a row of m's embeddings.
func fitsVocab(path string, tok *tokenizer.Tokenizer, m *llama4.Model) error {
	if tok.VocabSize() > m.Config.VocabSize {
		return fmt.Errorf("model %s: tokenizer has %d tokens but the model's vocabulary is %d", path, tok.VocabSize(), m.Config.VocabSize)
	}
	return nil
}

// CopyTokenizer copies the tokenizer files of the model directory src
// (tokenizer.model, tokenizer.json and their configs, those present) into
// dst, creating it, so that a model trained from src and saved in dst loads
// with its tokenizer. A src with neither tokenizer file is an error.
func CopyTokenizer(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	n := 0
	for _, name := range []string{tokenizer.TiktokenFile, tokenizer.HFFile, "tokenizer_config.json", "special_tokens_map.json"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("%s has no %s or %s to copy beside the fine-tuned model", src, tokenizer.TiktokenFile, tokenizer.HFFile)
	}
	return nil
}
