package modelflags

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/embedded"
	"github.com/herd-llm/herd/hub"
	"github.com/herd-llm/herd/internal/cli"
	"github.com/herd-llm/herd/internal/describe"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

// QuantHelp is the help of --quant.
const QuantHelp = "quantize weights while loading: q8_0, q4_0, q4_k, q6_k, int4 (Meta int4_mixed: experts) or fp8 (Meta fp8_mixed: routed experts)"

// LoadModel opens the model named by -m (checkpoint.Load); with no -m it
// is the embedded default model.
func LoadModel(path string) (*llama4.Model, error) {
	if path == "" {
		m, _, err := Embedded()
		return m, err
	}
	return checkpoint.Load(path)
}

// IsGGUF reports whether -m names a GGUF file (checkpoint.IsGGUF).
func IsGGUF(path string) bool { return checkpoint.IsGGUF(path) }

var (
	embeddedOnce  sync.Once
	embeddedModel *llama4.Model
	embeddedTok   *tokenizer.Tokenizer
	embeddedErr   error
)

// Embedded returns the built-in model (package embedded), loaded once per
// process from the binary's own memory.
func Embedded() (*llama4.Model, *tokenizer.Tokenizer, error) {
	embeddedOnce.Do(func() {
		embeddedModel, embeddedTok, embeddedErr = embedded.Load()
	})
	return embeddedModel, embeddedTok, embeddedErr
}

// Name is how a -m value is shown: the embedded model's name when empty.
func Name(path string) string {
	if path == "" {
		return embedded.Name
	}
	return filepath.Base(filepath.Clean(path))
}

// ErrNoTokenizer reports a model without tokenizer files.
var ErrNoTokenizer = checkpoint.ErrNoTokenizer

// LoadTokenizer loads the tokenizer of -m (checkpoint.LoadTokenizer), or
// the embedded one with no -m.
func LoadTokenizer(dir string, m *llama4.Model) (*tokenizer.Tokenizer, error) {
	if dir != "" {
		return checkpoint.LoadTokenizer(dir, m)
	}
	em, tok, err := Embedded()
	if err != nil {
		return nil, err
	}
	if m != em {
		return nil, fmt.Errorf("internal: the embedded tokenizer belongs to the embedded model")
	}
	return tok, nil
}

// LoadTokenizerOnly loads a tokenizer without its model: from a model
// directory, tokenizer file or GGUF file, or the embedded one for "".
func LoadTokenizerOnly(path string) (*tokenizer.Tokenizer, error) {
	switch {
	case path == "":
		_, tok, err := Embedded()
		return tok, err
	case IsGGUF(path):
		return tokenizer.LoadGGUF(path)
	}
	return tokenizer.Load(path)
}

// Quantize quantizes m in place when scheme (a --quant value) is set,
// reporting what changed on stderr unless quiet.
func Quantize(m *llama4.Model, scheme string, stderr io.Writer, quiet bool) error {
	s, err := checkpoint.ParseScheme(scheme)
	if err != nil {
		return cli.Usagef("--quant: %v", err)
	}
	if s == checkpoint.SchemeNone {
		return nil
	}
	rep, err := checkpoint.Quantize(m, s)
	if err != nil {
		return cli.Usagef("--quant: %v", err)
	}
	if !quiet {
		fmt.Fprintf(stderr, "quantized to %s: %d matrices converted (%s), %d kept; weights now %.1f MB\n",
			rep.Scheme, rep.Converted, describe.TypeCounts(rep.ByType), rep.Kept, float64(rep.BytesAfter)/1e6)
	}
	return nil
}

// Resolve maps a -m value to a local path: an existing file or directory
// as is, else a repository name pulled before ("org/name" or
// "org/name:FILE") to its path in the hub cache. A repository name not in
// the cache is an error that says how to pull it; anything else is returned
// unchanged (for the loader's own error).
func Resolve(m string) (string, error) {
	if m == "" {
		return m, nil
	}
	if _, err := os.Stat(m); err == nil || !errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	p, ok, err := hub.Resolve(m)
	if err != nil {
		return "", fmt.Errorf("model %s: %w", m, err)
	}
	if ok {
		return p, nil
	}
	if _, perr := hub.ParseRef(m); perr == nil {
		return "", fmt.Errorf("model %s: no such file or directory, and not in the hub cache %s (run `herd pull %s` first)", m, hub.CacheDir(), m)
	}
	return m, nil
}
