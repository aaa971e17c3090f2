package tokenizer

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// sharedPath returns the path of a file under the shared directory beside the
// repository (../shared from the directory holding go.mod), or "" when it is
// absent.
func sharedPath(rel string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// sharedFile is sharedPath that skips the test when the file is absent.
func sharedFile(tb testing.TB, rel string) string {
	tb.Helper()
	p := sharedPath(rel)
	if p == "" {
		tb.Skipf("../shared/%s (beside the repository) not found: this test needs the real Llama 4 files", rel)
	}
	return p
}

var (
	realOnce sync.Once
	realTok  *Tokenizer
	realErr  error
)

// realTokenizer loads ../shared/llama4/tokenizer.model once per test binary.
func realTokenizer(tb testing.TB) *Tokenizer {
	tb.Helper()
	p := sharedFile(tb, "llama4/tokenizer.model")
	realOnce.Do(func() { realTok, realErr = Load(p) })
	if realErr != nil {
		tb.Fatalf("load %s: %v", p, realErr)
	}
	return realTok
}
