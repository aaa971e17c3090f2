// Package gguftest holds the GGUF fixtures that the checkpoint and tokenizer
// tests share: files written and parsed in memory, and the files llama.cpp's
// own tools made from the tiny model (testdata/gguf, see its README.md).
// Import it only from _test.go files.
package gguftest

import (
	"bytes"
	"os"
	"testing"

	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/internal/testmodel"
)

// Encode returns the GGUF file that gguf.Write makes of kvs and ts (default
// alignment), failing the test on error.
func Encode(tb testing.TB, kvs []gguf.KV, ts []gguf.WriteTensor) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := gguf.Write(&buf, kvs, ts, 0); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// Parse writes kvs and ts as Encode does and parses the bytes back as a
// file named name.
func Parse(tb testing.TB, name string, kvs []gguf.KV, ts []gguf.WriteTensor) *gguf.File {
	tb.Helper()
	f, err := gguf.Parse(name, Encode(tb, kvs, ts))
	if err != nil {
		tb.Fatalf("parse %s: %v", name, err)
	}
	return f
}

// LlamaCppPath returns the path of testdata/gguf/<name>, a file llama.cpp's
// tools made from the tiny model, skipping the test when it is absent.
func LlamaCppPath(tb testing.TB, name string) string {
	tb.Helper()
	p := testmodel.Testdata(tb, "gguf", name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("%s absent: %v", p, err)
	}
	return p
}

// OpenLlamaCpp opens testdata/gguf/<name> (see LlamaCppPath), skipping the
// test when it is absent; the file is closed when the test ends.
func OpenLlamaCpp(tb testing.TB, name string) *gguf.File {
	tb.Helper()
	p := LlamaCppPath(tb, name)
	f, err := gguf.Open(p)
	if err != nil {
		tb.Fatalf("open %s: %v", p, err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}
