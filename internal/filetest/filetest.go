// Package filetest holds the file fixtures the checkpoint format tests
// (format/gguf, format/safetensors) share.
package filetest

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// Write writes b to dir/name, creating the folders name needs, and returns
// the file's path. It fails the test on error.
func Write(tb testing.TB, dir, name string, b []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// Seq returns n bytes start, start+1, ... (mod 256): tensor data whose every
// byte is told apart from its neighbours.
func Seq(start, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(start + i)
	}
	return b
}

// FailWriter is an io.Writer whose writes succeed N times and then fail with
// an error saying "disk full": it checks that writers report the failure.
type FailWriter struct{ N int }

// Write accepts p while N > 0 (decrementing N), and fails afterwards.
func (w *FailWriter) Write(p []byte) (int, error) {
	if w.N == 0 {
		return 0, errors.New("disk full")
	}
	w.N--
	return len(p), nil
}

// CloseTwice closes c twice, failing the test unless both calls succeed:
// closing an already closed file is not an error.
func CloseTwice(tb testing.TB, c io.Closer) {
	tb.Helper()
	if err := c.Close(); err != nil {
		tb.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		tb.Fatalf("second Close: %v", err)
	}
}
