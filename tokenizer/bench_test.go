package tokenizer

import (
	"os"
	"testing"
)

// BenchmarkEncodeShakespeare encodes TinyShakespeare (1.1 MB) per iteration;
// tools/tokgold/bench.mjs times npm tiktoken on the same text. Run both on one
// core: go test -run=^$ -bench=Shakespeare -cpu 1 ./tokenizer/ and
// taskset -c 0 node tools/tokgold/bench.mjs.
func BenchmarkEncodeShakespeare(b *testing.B) {
	tok := realTokenizer(b)
	data, err := os.ReadFile(shakespeare)
	if err != nil {
		b.Fatal(err)
	}
	text := string(data)
	ids := tok.Encode(text, false)
	b.ReportMetric(float64(len(ids)), "tokens/op")
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		ids = tok.AppendEncode(ids[:0], text, false)
	}
}

// BenchmarkDecodeShakespeare decodes the ids of TinyShakespeare.
func BenchmarkDecodeShakespeare(b *testing.B) {
	tok := realTokenizer(b)
	data, err := os.ReadFile(shakespeare)
	if err != nil {
		b.Fatal(err)
	}
	ids := tok.Encode(string(data), false)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		_ = tok.Decode(ids, false)
	}
}

// BenchmarkLoadTiktoken parses the 200,000-line tokenizer.model, file read
// included.
func BenchmarkLoadTiktoken(b *testing.B) {
	realTokenizer(b) // skips without the file
	p := realPath()
	for b.Loop() {
		if _, err := Load(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadHFJSON parses a tokenizer.json holding the real vocabulary and
// its merges, as TikTokenConverter writes them.
func BenchmarkLoadHFJSON(b *testing.B) {
	data := hfJSON(b, realTokenizer(b))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := ParseHFJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}
