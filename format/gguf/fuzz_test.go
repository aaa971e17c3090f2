package gguf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fuzzSeeds are small valid and nearly valid files for FuzzOpen. They are
// also kept in testdata/fuzz/FuzzOpen, which TestWriteSeedCorpus refreshes
// when GGUF_WRITE_SEEDS is set.
func fuzzSeeds(t testing.TB) map[string][]byte {
	small := []WriteTensor{
		{Name: "token_embd.weight", Type: F32, Dims: []uint64{2, 2}, Data: seq(0, 16)},
		{Name: "blk.0.attn_q.weight", Type: Q8_0, Dims: []uint64{32}, Data: seq(1, 34)},
		{Name: "blk.0.ffn_up_exps.weight", Type: Q5_K, Dims: []uint64{256}, Data: seq(2, 176)},
		{Name: "e", Type: BF16, Dims: []uint64{0, 3}},
	}
	v2 := encode(t, []KV{KVString("general.architecture", "llama4")}, small[:2], 0)
	v2[4] = 2
	return map[string][]byte{
		"empty_v3":      encode(t, nil, nil, 0),
		"all_values":    encode(t, sampleKVs(), nil, 0),
		"llama4_small":  encode(t, []KV{KVString("general.architecture", "llama4"), KVUint32("llama4.block_count", 1), KVFloat32("llama4.rope.freq_base", 500000), KVStrings("tokenizer.ggml.tokens", []string{"a", "b"})}, small, 0),
		"align_8":       encode(t, []KV{KVBool("b", true)}, small[:2], 8),
		"nested_arrays": encode(t, []KV{{"n", nest(3)}, {"m", Arrays(ArrayOf([]string{"x"}), Arrays())}}, nil, 0),
		"version_2":     v2,
		"unknown_type":  new(raw).header(3, 2, 0).tensor("a", GGMLType(99), 0, 1000).tensor("b", F32, 0, 4).alignTo(32).zeros(16).b,
		"overlap":       hdr(2, 0).tensor("a", F32, 0, 16).tensor("b", F32, 32, 8).alignTo(32).zeros(64).b,
		"misaligned":    hdr(1, 0).tensor("w", F32, 16, 4).alignTo(32).zeros(64).b,
		"huge_array":    hdr(0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeUint32)).u64(1 << 62).zeros(8).b,
		"bad_bool":      hdr(0, 1).str("k").u32(uint32(TypeBool)).u8(2).b,
	}
}

// FuzzOpen checks that Parse never panics, that whatever it accepts is safe
// to use (aligned, in range, non-overlapping tensors; data of the right
// size), and that writing a parsed file and parsing it again is stable.
func FuzzOpen(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse("fuzz.gguf", b)
		if err != nil {
			if file != nil {
				t.Fatal("File with an error")
			}
			if !strings.HasPrefix(err.Error(), "gguf: fuzz.gguf: ") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		checkParsed(t, file, b)
		roundTrip(t, file, b)
	})
}

// checkParsed checks the invariants of a parsed file image b.
func checkParsed(t *testing.T, f *File, b []byte) {
	if f.Version != 2 && f.Version != 3 {
		t.Fatalf("version %d", f.Version)
	}
	if a := f.Alignment; a <= 0 || a&(a-1) != 0 || f.DataOffset%int64(a) != 0 {
		t.Fatalf("alignment %d, data offset %d", a, f.DataOffset)
	}
	keys := f.Keys()
	seen := map[string]bool{}
	for _, k := range keys {
		v, ok := f.Value(k)
		if k == "" || seen[k] || !ok || v.check(0) != nil {
			t.Fatalf("key %q: duplicate, empty or invalid (%v)", k, v.check(0))
		}
		seen[k] = true
		_ = v.String()
	}
	type span struct{ lo, hi uint64 }
	var spans []span
	for _, ti := range f.Tensors() {
		if ti.Offset%uint64(f.Alignment) != 0 || len(ti.Dims) > MaxDims {
			t.Fatalf("%q: offset %d, %d dims", ti.Name, ti.Offset, len(ti.Dims))
		}
		if ti.Type.Known() {
			if n, err := dataSize(ti.Type, ti.Dims); err != nil || n != ti.Size {
				t.Fatalf("%q: size %d, want %d (%v)", ti.Name, ti.Size, n, err)
			}
		} else if ti.Size != 0 {
			t.Fatalf("%q: size %d of an unknown type", ti.Name, ti.Size)
		}
		lo := uint64(f.DataOffset) + ti.Offset
		if lo+ti.Size > uint64(len(b)) || lo+ti.Size < lo {
			t.Fatalf("%q: [%d, %d) outside %d bytes", ti.Name, lo, lo+ti.Size, len(b))
		}
		if ti.Size > 0 {
			spans = append(spans, span{lo, lo + ti.Size})
		}
		tn, err := f.Tensor(ti.Name)
		if _, ok := ti.Type.DType(); !ok {
			if !errors.Is(err, ErrUnsupportedType) {
				t.Fatalf("%q of %s: %v", ti.Name, ti.Type, err)
			}
			continue
		}
		if err != nil || uint64(len(tn.Data)) != ti.Size || (ti.Size > 0 && &tn.Data[0] != &b[lo]) {
			t.Fatalf("%q: %v", ti.Name, err)
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	for i := 1; i < len(spans); i++ {
		if spans[i].lo < spans[i-1].hi {
			t.Fatalf("spans %v and %v overlap", spans[i-1], spans[i])
		}
	}
}

// roundTrip writes a parsed file, when Write accepts it, and checks that
// parsing and writing again reproduces the same bytes and metadata.
func roundTrip(t *testing.T, f *File, b []byte) {
	var ts []WriteTensor
	for _, ti := range f.Tensors() {
		lo := uint64(f.DataOffset) + ti.Offset
		ts = append(ts, WriteTensor{Name: ti.Name, Type: ti.Type, Dims: ti.Dims, Data: b[lo : lo+ti.Size]})
	}
	var w1 bytes.Buffer
	if err := Write(&w1, f.KVs(), ts, 0); err != nil {
		return // names over 63 bytes, no dims, unknown types: legal to read, not written
	}
	g, err := Parse("again.gguf", w1.Bytes())
	if err != nil {
		t.Fatalf("rewritten file does not parse: %v", err)
	}
	if fmt.Sprint(g.Keys()) != fmt.Sprint(f.Keys()) || g.Alignment != f.Alignment || len(g.Tensors()) != len(ts) {
		t.Fatalf("rewritten file differs: keys %q vs %q, alignment %d vs %d", g.Keys(), f.Keys(), g.Alignment, f.Alignment)
	}
	var w2 bytes.Buffer
	if err := Write(&w2, g.KVs(), ts, 0); err != nil || !bytes.Equal(w1.Bytes(), w2.Bytes()) {
		t.Fatalf("second write differs (%v)", err)
	}
}

// TestWriteSeedCorpus rewrites testdata/fuzz/FuzzOpen from fuzzSeeds when
// GGUF_WRITE_SEEDS is set, and otherwise checks that every committed seed
// still parses or fails without panicking.
func TestWriteSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzOpen")
	if os.Getenv("GGUF_WRITE_SEEDS") != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range fuzzSeeds(t) {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) < len(fuzzSeeds(t)) {
		t.Fatalf("seed corpus %s: %d files, %v", dir, len(entries), err)
	}
}
