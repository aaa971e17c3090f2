package tokenizer

import (
	"os"
	"sync"
	"testing"
)

// envLlama4 names the environment variable holding the path of the real
// Llama 4 tokenizer.model; tokenizertest.EnvLlama4 is the same name for tests
// outside this package (which cannot be imported here without a cycle).
const envLlama4 = "HERD_LLAMA4_TOKENIZER"

// shakespeare is TinyShakespeare, shipped in the repository's testdata.
const shakespeare = "../testdata/tinyshakespeare.txt"

// realPath returns the path named by envLlama4, or "" when it is unset or
// names no file.
func realPath() string {
	p := os.Getenv(envLlama4)
	if _, err := os.Stat(p); p == "" || err != nil {
		return ""
	}
	return p
}

var (
	realOnce sync.Once
	realTok  *Tokenizer
	realErr  error
)

// realTokenizer loads the real Llama 4 tokenizer once per test binary, or
// skips the test when envLlama4 does not name it.
func realTokenizer(tb testing.TB) *Tokenizer {
	tb.Helper()
	p := realPath()
	if p == "" {
		tb.Skipf("real Llama 4 tokenizer unavailable: set %s to the path of its tokenizer.model", envLlama4)
	}
	realOnce.Do(func() { realTok, realErr = Load(p) })
	if realErr != nil {
		tb.Fatalf("load %s: %v", p, realErr)
	}
	return realTok
}
