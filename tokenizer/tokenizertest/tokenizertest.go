// Package tokenizertest gives tests outside package tokenizer the real
// Llama 4 tokenizer, which cannot ship with the repository: its path comes
// from the environment variable named by EnvLlama4.
package tokenizertest

import (
	"os"
	"sync"
	"testing"

	"github.com/herd-llm/herd/tokenizer"
)

// EnvLlama4 names the environment variable holding the path of the real
// Llama 4 tokenizer.model.
const EnvLlama4 = "HERD_LLAMA4_TOKENIZER"

// Llama4Path returns the path of the real Llama 4 tokenizer.model, or "" when
// EnvLlama4 is unset or names no file.
func Llama4Path() string {
	p := os.Getenv(EnvLlama4)
	if p == "" {
		return ""
	}
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

var (
	once sync.Once
	tok  *tokenizer.Tokenizer
	err  error
)

// Llama4 loads the real Llama 4 tokenizer once per test binary, skipping the
// test when EnvLlama4 is unset or names no file.
func Llama4(tb testing.TB) *tokenizer.Tokenizer {
	tb.Helper()
	p := Llama4Path()
	if p == "" {
		tb.Skipf("real Llama 4 tokenizer unavailable: set %s to the path of its tokenizer.model (now %q)", EnvLlama4, os.Getenv(EnvLlama4))
	}
	once.Do(func() { tok, err = tokenizer.Load(p) })
	if err != nil {
		tb.Fatalf("load %s: %v", p, err)
	}
	return tok
}
