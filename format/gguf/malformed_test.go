package gguf

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/filetest"
)

// hdr starts a version 3 file with the given counts.
func hdr(nTensors, nKV uint64) *raw { return new(raw).header(3, nTensors, nKV) }

// TestMalformed checks that each broken file is rejected with an error that
// names the file and says what is wrong.
func TestMalformed(t *testing.T) {
	kv1 := func() *raw { return hdr(0, 1).str("k") } // one entry, key "k", type and value to follow
	t1 := func(nKV uint64) *raw { return hdr(1, nKV) }
	deep := hdr(0, 1).str("deep").u32(uint32(TypeArray))
	for range 100 {
		deep.u32(uint32(TypeArray)).u64(1)
	}
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "truncated: 0 bytes"},
		{"short", []byte("GGUF\x03\x00"), "truncated: 6 bytes"},
		{"short bad magic", []byte("GGML\x03\x00"), `bad magic "GGML"`},
		{"bad magic", new(raw).bytes([]byte("GGJT")...).u32(3).u64(0).u64(0).b, `bad magic "GGJT": not a GGUF file`},
		{"v1", new(raw).header(1, 0, 0).b, "GGUF version 1 is not supported"},
		{"v0", new(raw).header(0, 0, 0).b, "unsupported GGUF version 0 (want 2 or 3)"},
		{"v4", new(raw).header(4, 0, 0).b, "unsupported GGUF version 4"},
		{"big-endian", new(raw).header(3<<24, 0, 0).b, "big-endian"},
		{"kv count", hdr(0, math.MaxUint64).b, "metadata count 18446744073709551615 is impossible"},
		{"tensor count", hdr(1<<40, 0).b, "tensor count 1099511627776"},
		{"counts together", hdr(1, 1).zeros(30).b, "tensor count 1 with metadata count 1 is impossible in the 30 bytes"},
		{"key truncated", hdr(0, 1).u64(100).zeros(10).b, "metadata entry 0 of 1: truncated at offset 32: key needs 100 bytes, 10 left"},
		{"key huge", hdr(0, 1).u64(1 << 60).zeros(10).b, "metadata entry 0 of 1: key at offset 24: length 1152921504606846976 exceeds the limit of 65535"},
		{"empty key", hdr(0, 1).str("").u32(0).u8(0).zeros(8).b, "metadata entry 0 of 1: empty key"},
		{"type truncated", hdr(0, 1).str("kkkkkkkk").zeros(2).b, `key "kkkkkkkk": truncated at offset 40: value type needs 4 bytes, 2 left`},
		{"unknown value type", kv1().u32(13).zeros(8).b, `key "k": unknown value type 13 at offset 33`},
		{"value truncated", kv1().u32(uint32(TypeUint64)).zeros(4).b, `key "k": truncated at offset 37: uint64 needs 8 bytes, 4 left`},
		{"bad bool", kv1().u32(uint32(TypeBool)).u8(2).b, `key "k": bool at offset 37 is 2, not 0 or 1`},
		{"string huge", kv1().u32(uint32(TypeString)).u64(MaxStringLen + 1).zeros(8).b, `key "k": string at offset 37: length 67108865 exceeds the limit of 67108864`},
		{"string past end", kv1().u32(uint32(TypeString)).u64(1 << 20).zeros(8).b, `key "k": truncated at offset 45: string needs 1048576 bytes, 8 left`},
		{"array huge", kv1().u32(uint32(TypeArray)).u32(uint32(TypeUint32)).u64(math.MaxUint64).zeros(8).b,
			`key "k": array at offset 41: 18446744073709551615 elements of uint32 cannot fit in the 8 bytes left`},
		{"string array huge", kv1().u32(uint32(TypeArray)).u32(uint32(TypeString)).u64(2).u64(0).b, "2 elements of string cannot fit in the 8 bytes left"},
		{"array element", kv1().u32(uint32(TypeArray)).u32(uint32(TypeString)).u64(2).u64(0).u64(5).zeros(3).b, `key "k": element 1: truncated`},
		{"array element type", kv1().u32(uint32(TypeArray)).u32(99).u64(0).b, `key "k": unknown array element type 99`},
		{"bool array", kv1().u32(uint32(TypeArray)).u32(uint32(TypeBool)).u64(3).bytes(1, 0, 7).b, `key "k": element 2: bool at offset 51 is 7`},
		{"depth bomb", deep.b, `key "deep": element 0: element 0: element 0: element 0: element 0: element 0: element 0: element 0: arrays nested more than 8 deep at offset 136`},
		{"duplicate key", hdr(0, 2).kvU32("a", 1).kvU32("a", 2).b, `duplicate metadata key "a" (entries 0 and 1)`},
		{"alignment type", hdr(0, 1).str(AlignmentKey).u32(uint32(TypeUint64)).u64(64).b, `key "general.alignment": type uint64, want uint32`},
		{"alignment zero", hdr(0, 1).kvU32(AlignmentKey, 0).b, `key "general.alignment": alignment 0 is not a power of two`},
		{"alignment odd", hdr(0, 1).kvU32(AlignmentKey, 48).b, "alignment 48 is not a power of two"},
		{"tensor name", t1(0).u64(100).zeros(30).b, "tensor 0 of 1: truncated at offset 32: tensor name needs 100 bytes, 30 left"},
		{"tensor name huge", t1(0).u64(1 << 20).zeros(30).b, "tensor 0 of 1: tensor name at offset 24: length 1048576 exceeds the limit of 65535"},
		{"tensor empty name", t1(0).str("").u32(0).u32(0).u64(0).zeros(8).b, "tensor 0 of 1: empty name"},
		{"n_dims", t1(0).tensor("w", F32, 0, 1, 1, 1, 1, 1).b, `tensor "w": 5 dimensions, at most 4 allowed`},
		{"dims truncated", t1(0).str("w").u32(4).u64(1).zeros(12).b, `tensor "w": truncated at offset 53: dimension needs 8 bytes, 4 left`},
		{"dim huge", t1(0).tensor("w", F32, 0, 1<<63).b, `tensor "w": dimension 0 is 9223372036854775808, more than 2^63-1`},
		{"dims overflow", t1(0).tensor("w", F32, 0, 1<<32, 1<<32).b, `tensor "w": dims [4294967296 4294967296]: the element count overflows`},
		{"bytes overflow", t1(0).tensor("w", F32, 0, 1<<31, 1<<31).b, `tensor "w": dims [2147483648 2147483648] of F32: the byte size overflows`},
		{"block", t1(0).tensor("w", Q4_K, 0, 255, 2).b, `tensor "w": type Q4_K needs rows (dims[0]) that are a multiple of 256 values, have 255`},
		{"scalar block", t1(0).tensor("w", Q8_0, 0).b, "multiple of 32 values, have 1"},
		{"misaligned", t1(0).tensor("w", F32, 16, 4).alignTo(32).zeros(64).b, `tensor "w": data offset 16 is not a multiple of the alignment 32`},
		{"misaligned custom", t1(1).kvU32(AlignmentKey, 64).tensor("w", F32, 32, 4).alignTo(64).zeros(64).b, "data offset 32 is not a multiple of the alignment 64"},
		{"past end", t1(0).tensor("w", F32, 0, 8).alignTo(32).zeros(31).b, `tensor "w": data of 32 bytes at offset 0 of the data section (which starts at 64) extends past the end of the 95-byte file`},
		{"offset past end", t1(0).tensor("w", F32, 1<<62, 0).alignTo(32).b, `tensor "w": data of 0 bytes at offset 4611686018427387904`},
		{"offset near max", t1(0).tensor("w", F32, math.MaxUint64&^31, 8).alignTo(32).b, "extends past the end"},
		{"no padding", t1(0).tensor("w", F32, 0, 0).b, "extends past the end"},
		{"unknown type offset", t1(0).tensor("w", GGMLType(77), 64, 4).alignTo(32).zeros(32).b, `tensor "w": data of 0 bytes at offset 64`},
		{"overlap", hdr(2, 0).tensor("a", F32, 0, 16).tensor("b", F32, 32, 8).alignTo(32).zeros(64).b, `tensors "a" [0, 64) and "b" [32, 64) overlap`},
		{"overlap reversed", hdr(2, 0).tensor("a", F32, 32, 8).tensor("b", F16, 0, 64).alignTo(32).zeros(128).b, `tensors "b" [0, 128) and "a" [32, 64) overlap`},
		{"duplicate tensor", hdr(2, 0).tensor("a", F32, 0, 8).tensor("a", F32, 32, 8).alignTo(32).zeros(64).b, `duplicate tensor name "a" (tensors 0 and 1)`},
	}
	for _, tc := range tests {
		f, err := Parse("bad.gguf", tc.b)
		if err == nil {
			t.Errorf("%s: parsed", tc.name)
			continue
		}
		if f != nil {
			t.Errorf("%s: File with an error", tc.name)
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "gguf: bad.gguf: ") || !strings.Contains(msg, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, msg, tc.want)
		}
	}
}

// TestTruncatedEverywhere cuts a valid file at every length short of its end:
// each prefix must fail cleanly.
func TestTruncatedEverywhere(t *testing.T) {
	b := encode(t, sampleKVs(), sampleTensors(), 64)
	for n := range len(b) {
		if n > 1200 && n%37 != 0 { // the data section: sample it
			continue
		}
		_, err := Parse("cut.gguf", b[:n])
		if err == nil {
			// Only the final padding may go missing without harm.
			if f, _ := Parse("x", b); n < int(lastEnd(f)) {
				t.Fatalf("prefix of %d bytes parsed", n)
			}
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "gguf: cut.gguf: ") || !containsAny(msg, "truncated", "impossible", "cannot fit", "past the end") {
			t.Fatalf("prefix of %d bytes: %v", n, err)
		}
	}
}

// lastEnd is the file offset where the last tensor's data ends.
func lastEnd(f *File) int64 {
	end := f.DataOffset
	for _, ti := range f.Tensors() {
		end = max(end, f.DataOffset+int64(ti.Offset+ti.Size))
	}
	return end
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing.gguf")); err == nil || !strings.Contains(err.Error(), "missing.gguf") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	empty := writeFile(t, "empty.gguf", nil)
	if _, err := Open(empty); err == nil || !strings.Contains(err.Error(), "empty.gguf: truncated: 0 bytes") {
		t.Errorf("empty file: %v", err)
	}
	bad := writeFile(t, "bad.gguf", hdr(1, 0).tensor("w", F32, 0, 8).alignTo(32).b)
	if _, err := Open(bad); err == nil || !strings.Contains(err.Error(), `bad.gguf: tensor "w": data of 32 bytes`) {
		t.Errorf("bad file: %v", err)
	}
}

func TestClose(t *testing.T) {
	b := encode(t, nil, sampleTensors(), 0)
	path := writeFile(t, "c.gguf", b)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := f.Tensor("token_embd.weight")
	if err != nil || !bytes.Equal(tn.Data, seq(0, 24)) {
		t.Fatalf("tensor: %v", err)
	}
	filetest.CloseTwice(t, f)
	if _, err := f.Tensor("token_embd.weight"); err == nil || !strings.Contains(err.Error(), "file is closed") {
		t.Errorf("Tensor after Close: %v", err)
	}
	if len(f.Tensors()) != len(sampleTensors()) {
		t.Error("infos lost on Close")
	}
	// The mapping does not keep the file from being removed.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}
