package gguf

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/filetest"
	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

// sampleKVs has every value type, arrays of each, an empty array and nested
// arrays, with llama4-style keys.
func sampleKVs() []KV {
	return []KV{
		KVString("general.architecture", "llama4"),
		KVUint32("llama4.block_count", 48),
		KVFloat32("llama4.rope.freq_base", 500000),
		KVUint8("t.u8", 200),
		KVInt8("t.i8", -100),
		KVUint16("t.u16", 60000),
		KVInt16("t.i16", -30000),
		KVInt32("t.i32", -2000000000),
		KVBool("t.bool", true),
		KVUint64("t.u64", math.MaxUint64),
		KVInt64("t.i64", math.MinInt64),
		KVFloat64("t.f64", -1.5e300),
		KVString("t.empty", ""),
		KVString("t.utf8", "héllo\x00\n🙂"),
		KVStrings("tokenizer.ggml.tokens", []string{"<|begin_of_text|>", "a", "", "Ġthe"}),
		KVInt32s("tokenizer.ggml.token_type", []int32{3, 1, 1, -1}),
		KVFloat32s("tokenizer.ggml.scores", []float32{0, -1.25, float32(math.Inf(1)), 3}),
		KVUint32s("t.u32s", []uint32{0, math.MaxUint32}),
		KVBools("t.bools", []bool{true, false, true}),
		{"t.u8s", ArrayOf([]uint8{0, 1, 255})},
		{"t.i8s", ArrayOf([]int8{-128, 127})},
		{"t.u16s", ArrayOf([]uint16{1, 65535})},
		{"t.i16s", ArrayOf([]int16{-32768})},
		{"t.u64s", ArrayOf([]uint64{1 << 63})},
		{"t.i64s", ArrayOf([]int64{-1, 1 << 62})},
		{"t.f64s", ArrayOf([]float64{math.Pi})},
		{"t.none", ArrayOf([]int32{})},
		{"t.nested", Arrays(
			ArrayOf([]int32{1, 2, 3}),
			ArrayOf([]string{"x", "y"}),
			Arrays(ArrayOf([]bool{true}), Arrays()),
			ArrayOf([]float32{}),
		)},
	}
}

// sampleTensors has one tensor of every supported type (quantized ones from
// package quant), one of an unsupported known type and a 3-D one, with
// sizes that are not multiples of the alignment.
func sampleTensors() []WriteTensor {
	vals := make([]float32, 512)
	for i := range vals {
		vals[i] = float32(math.Sin(float64(i)))
	}
	q := func(f tensor.DType, n int) []byte {
		b := make([]byte, n/f.BlockSize()*f.BlockBytes())
		quant.Quantize(f, b, vals[:n])
		return b
	}
	return []WriteTensor{
		{Name: "token_embd.weight", Type: F32, Dims: []uint64{3, 2}, Data: seq(0, 24)},
		{Name: "output_norm.weight", Type: F16, Dims: []uint64{5}, Data: seq(1, 10)},
		{Name: "blk.0.attn_norm.weight", Type: BF16, Dims: []uint64{7}, Data: seq(2, 14)},
		{Name: "blk.0.attn_q.weight", Type: Q8_0, Dims: []uint64{64, 2}, Data: q(tensor.Q8_0, 128)},
		{Name: "blk.0.attn_k.weight", Type: Q4_0, Dims: []uint64{32, 3}, Data: q(tensor.Q4_0, 96)},
		{Name: "blk.0.attn_v.weight", Type: Q4_K, Dims: []uint64{256, 2}, Data: q(tensor.Q4K, 512)},
		{Name: "blk.0.attn_output.weight", Type: Q6_K, Dims: []uint64{256}, Data: q(tensor.Q6K, 256)},
		{Name: "blk.0.ffn_down_exps.weight", Type: Q5_K, Dims: []uint64{256, 1}, Data: seq(3, 176)},
		{Name: "blk.0.ffn_gate_exps.weight", Type: F32, Dims: []uint64{2, 3, 2}, Data: seq(4, 48)},
		{Name: "empty.weight", Type: F32, Dims: []uint64{4, 0}, Data: nil},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, align := range []int{0, 1, 8, 64, 4096} {
		kvs, tensors := sampleKVs(), sampleTensors()
		b := encode(t, kvs, tensors, align)
		path := writeFile(t, "rt.gguf", b)
		f, err := Open(path)
		if err != nil {
			t.Fatalf("align %d: %v", align, err)
		}
		want := max(align, 1)
		if align == 0 {
			want = DefaultAlignment
		}
		if f.Version != 3 || f.Alignment != want || f.DataOffset%int64(want) != 0 {
			t.Errorf("align %d: version %d, alignment %d, data offset %d", align, f.Version, f.Alignment, f.DataOffset)
		}
		if len(b)%want != 0 {
			t.Errorf("align %d: file of %d bytes is not padded", align, len(b))
		}
		verifyKVs(t, f, kvs, want)
		verifyTensors(t, f, tensors, want)

		// Writing what was read gives the same bytes.
		var again []WriteTensor
		for _, ti := range f.Tensors() {
			lo := f.DataOffset + int64(ti.Offset)
			again = append(again, WriteTensor{Name: ti.Name, Type: ti.Type, Dims: ti.Dims, Data: b[lo : lo+int64(ti.Size)]})
		}
		if b2 := encode(t, f.KVs(), again, 0); !bytes.Equal(b, b2) {
			t.Errorf("align %d: re-encoding differs (%d vs %d bytes)", align, len(b2), len(b))
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// verifyKVs compares the metadata of f with kvs (plus general.alignment when
// it is not the default).
func verifyKVs(t *testing.T, f *File, kvs []KV, align int) {
	t.Helper()
	if align != DefaultAlignment {
		kvs = append(kvs, KVUint32(AlignmentKey, uint32(align)))
	}
	keys := f.Keys()
	if len(keys) != len(kvs) {
		t.Fatalf("%d keys, want %d", len(keys), len(kvs))
	}
	for i, kv := range kvs {
		if keys[i] != kv.Key {
			t.Errorf("key %d = %q, want %q", i, keys[i], kv.Key)
		}
		v, ok := f.Value(kv.Key)
		if !ok || v.Type() != kv.Value.Type() || v.ElemType() != kv.Value.ElemType() || !reflect.DeepEqual(v.Any(), kv.Value.Any()) {
			t.Errorf("%q = %v (%s), want %v (%s)", kv.Key, v, v.Type(), kv.Value, kv.Value.Type())
		}
	}
	if s, ok := f.String("general.architecture"); !ok || s != "llama4" {
		t.Errorf("String = %q, %v", s, ok)
	}
	if n, ok := f.Uint("llama4.block_count"); !ok || n != 48 {
		t.Errorf("Uint = %d, %v", n, ok)
	}
	if n, ok := f.Uint("t.u64"); !ok || n != math.MaxUint64 {
		t.Errorf("Uint(u64) = %d, %v", n, ok)
	}
	if _, ok := f.Uint("t.i8"); ok {
		t.Error("Uint accepted a negative int8")
	}
	if n, ok := f.Int("t.i8"); !ok || n != -100 {
		t.Errorf("Int(i8) = %d, %v", n, ok)
	}
	if n, ok := f.Int("t.u16"); !ok || n != 60000 {
		t.Errorf("Int(u16) = %d, %v", n, ok)
	}
	if _, ok := f.Int("t.u64"); ok {
		t.Error("Int accepted a uint64 above MaxInt64")
	}
	if x, ok := f.Float("llama4.rope.freq_base"); !ok || x != 500000 {
		t.Errorf("Float = %v, %v", x, ok)
	}
	if x, ok := f.Float("llama4.block_count"); !ok || x != 48 {
		t.Errorf("Float(uint32) = %v, %v", x, ok)
	}
	if x, ok := f.Bool("t.bool"); !ok || !x {
		t.Errorf("Bool = %v, %v", x, ok)
	}
	if _, ok := f.String("llama4.block_count"); ok {
		t.Error("String accepted a uint32")
	}
	if _, ok := f.Uint("missing"); ok {
		t.Error("Uint of a missing key")
	}
	toks, ok := f.Strings("tokenizer.ggml.tokens")
	if !ok || !reflect.DeepEqual(toks, []string{"<|begin_of_text|>", "a", "", "Ġthe"}) {
		t.Errorf("Strings = %q, %v", toks, ok)
	}
	toks[0] = "changed"
	if again, _ := f.Strings("tokenizer.ggml.tokens"); again[0] != "<|begin_of_text|>" {
		t.Error("Strings shares its slice with the File")
	}
	if x, ok := f.Ints("tokenizer.ggml.token_type"); !ok || !reflect.DeepEqual(x, []int64{3, 1, 1, -1}) {
		t.Errorf("Ints = %v, %v", x, ok)
	}
	if x, ok := f.Ints("t.u8s"); !ok || !reflect.DeepEqual(x, []int64{0, 1, 255}) {
		t.Errorf("Ints(u8s) = %v, %v", x, ok)
	}
	if _, ok := f.Ints("t.u64s"); ok {
		t.Error("Ints accepted 1<<63")
	}
	if x, ok := f.Floats("tokenizer.ggml.scores"); !ok || !reflect.DeepEqual(x, []float64{0, -1.25, math.Inf(1), 3}) {
		t.Errorf("Floats = %v, %v", x, ok)
	}
	if x, ok := f.Ints("t.none"); !ok || len(x) != 0 {
		t.Errorf("Ints(empty) = %v, %v", x, ok)
	}
	if _, ok := f.Ints("t.nested"); ok {
		t.Error("Ints accepted an array of arrays")
	}
	nested, _ := f.Value("t.nested")
	inner, ok := nested.Array()
	if !ok || len(inner) != 4 || inner[2].Len() != 2 || inner[2].Index(1).Len() != 0 || inner[2].Index(1).ElemType() != TypeArray {
		t.Errorf("nested = %v", nested)
	}
	if s := nested.String(); s != `[[1, 2, 3], ["x", "y"], [[true], []], []]` {
		t.Errorf("nested.String() = %s", s)
	}
}

// verifyTensors compares the tensors of f with ts.
func verifyTensors(t *testing.T, f *File, ts []WriteTensor, align int) {
	t.Helper()
	infos := f.Tensors()
	if len(infos) != len(ts) {
		t.Fatalf("%d tensors, want %d", len(infos), len(ts))
	}
	for i, w := range ts {
		ti := infos[i]
		if ti.Name != w.Name || ti.Type != w.Type || !reflect.DeepEqual(ti.Dims, w.Dims) || ti.Size != uint64(len(w.Data)) {
			t.Errorf("tensor %d = %+v, want %s %s %v", i, ti, w.Name, w.Type, w.Dims)
		}
		if (f.DataOffset+int64(ti.Offset))%int64(align) != 0 {
			t.Errorf("%s: file offset %d not aligned to %d", w.Name, f.DataOffset+int64(ti.Offset), align)
		}
		tn, err := f.Tensor(w.Name)
		if w.Type == Q5_K {
			want := `tensor "blk.0.ffn_down_exps.weight" has ggml type Q5_K (13), which herd does not support; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K`
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), f.Path) || !errors.Is(err, ErrUnsupportedType) {
				t.Errorf("Tensor(Q5_K) error %v", err)
			}
			if _, err := ti.DType(); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("DType(Q5_K) error %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", w.Name, err)
		}
		if !bytes.Equal(tn.Data, w.Data) || len(tn.Data) != len(w.Data) {
			t.Errorf("%s: data differs", w.Name)
		}
		if d, _ := w.Type.DType(); tn.DType != d {
			t.Errorf("%s: DType %s", w.Name, tn.DType)
		}
		if tn.File != f.Path {
			t.Errorf("%s: File %q", w.Name, tn.File)
		}
	}
	tn, err := f.Tensor("blk.0.attn_q.weight")
	if err != nil || tn.DType != tensor.Q8_0 || !reflect.DeepEqual(tn.Shape(), []int{2, 64}) || tn.Elements() != 128 {
		t.Errorf("attn_q: %+v, %v", tn, err)
	}
	if _, err := f.Tensor("nope"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("missing tensor: %v", err)
	}
	if ti, ok := f.Info("blk.0.ffn_gate_exps.weight"); !ok || !reflect.DeepEqual(ti.Shape(), []int{2, 3, 2}) {
		t.Errorf("Info = %+v, %v", ti, ok)
	}
}

// TestLayouts checks the block layouts against package quant and tensor.DType.
func TestLayouts(t *testing.T) {
	for g, q := range map[GGMLType]tensor.DType{Q8_0: tensor.Q8_0, Q4_0: tensor.Q4_0, Q4_K: tensor.Q4K, Q6_K: tensor.Q6K, Q8_K: tensor.Q8K} {
		if g.BlockSize() != q.BlockSize() || g.BlockBytes() != q.BlockBytes() {
			t.Errorf("%s: %d values in %d bytes, quant says %d in %d", g, g.BlockSize(), g.BlockBytes(), q.BlockSize(), q.BlockBytes())
		}
	}
	for g, d := range dtypes {
		if g.BlockSize() != d.BlockSize() || g.BlockBytes() != d.BlockBytes() {
			t.Errorf("%s: %d values in %d bytes, tensor.%s says %d in %d", g, g.BlockSize(), g.BlockBytes(), d, d.BlockSize(), d.BlockBytes())
		}
		if back, ok := TypeOf(d); !ok || back != g {
			t.Errorf("TypeOf(%s) = %s, %v", d, back, ok)
		}
	}
	if _, ok := TypeOf(tensor.F8E4M3); ok {
		t.Error("TypeOf(F8E4M3) succeeded")
	}
	known := 0
	for n := range 64 {
		if GGMLType(n).Known() {
			known++
		}
	}
	if known != 35 || GGMLType(4).Known() || GGMLType(31).Known() || GGMLType(43).Known() || GGMLType(1<<31).Known() {
		t.Errorf("%d known types", known)
	}
	if Q5_K.String() != "Q5_K" || GGMLType(99).String() != "GGMLType(99)" || IQ4_XS.BlockBytes() != 136 || Q2_K.BlockBytes() != 84 {
		t.Error("type table")
	}
}

// TestVersion2 reads a version 2 file, which has the same layout as version 3.
func TestVersion2(t *testing.T) {
	b := encode(t, sampleKVs(), sampleTensors(), 0)
	b[4] = 2
	f, err := Parse("v2.gguf", b)
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 2 || len(f.Tensors()) != len(sampleTensors()) {
		t.Errorf("version %d, %d tensors", f.Version, len(f.Tensors()))
	}
}

// TestUnknownType lists a tensor of a type number ggml does not define and
// refuses its data.
func TestUnknownType(t *testing.T) {
	r := new(raw).header(3, 2, 0).tensor("a", GGMLType(99), 0, 1000).tensor("b", F32, 0, 4).alignTo(32).zeros(16)
	f, err := Parse("u.gguf", r.b)
	if err != nil {
		t.Fatal(err)
	}
	ti := f.Tensors()[0]
	if ti.Type != 99 || ti.Size != 0 || ti.Elements() != 1000 {
		t.Errorf("info %+v", ti)
	}
	_, err = f.Tensor("a")
	want := `gguf: u.gguf: tensor "a" has unknown ggml type 99, which herd does not support; supported: F32`
	if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("Tensor: %v", err)
	}
	if tn, err := f.Tensor("b"); err != nil || len(tn.Data) != 16 {
		t.Errorf("b: %v", err)
	}
}

func TestWriteErrors(t *testing.T) {
	ok := []WriteTensor{{Name: "a", Type: F32, Dims: []uint64{1}, Data: make([]byte, 4)}}
	tests := []struct {
		name    string
		kvs     []KV
		tensors []WriteTensor
		align   int
		want    string
	}{
		{"empty key", []KV{KVBool("", true)}, nil, 0, "invalid metadata key"},
		{"duplicate key", []KV{KVBool("k", true), KVBool("k", false)}, nil, 0, `duplicate metadata key "k"`},
		{"zero value", []KV{{Key: "k"}}, nil, 0, `key "k": invalid uint8 value`},
		{"scalar in arrays", []KV{{"k", Arrays(Of(int32(1)))}}, nil, 0, "element 0: a int32 in an array of arrays"},
		{"too deep", []KV{{"k", nest(MaxArrayDepth + 1)}}, nil, 0, "nested more than 8 deep"},
		{"alignment", nil, nil, 48, "alignment 48 is not a power of two"},
		{"alignment key type", []KV{KVUint64(AlignmentKey, 64)}, nil, 0, "want uint32"},
		{"alignment key value", []KV{KVUint32(AlignmentKey, 6)}, nil, 0, "not a power of two"},
		{"alignment mismatch", []KV{KVUint32(AlignmentKey, 64)}, nil, 128, "but the alignment argument is 128"},
		{"empty name", nil, []WriteTensor{{Type: F32, Dims: []uint64{0}}}, 0, "tensor 0: name"},
		{"long name", nil, []WriteTensor{{Name: strings.Repeat("x", 64), Type: F32, Dims: []uint64{0}}}, 0, "1 to 63 bytes"},
		{"duplicate name", nil, append(ok, ok...), 0, `duplicate tensor name "a"`},
		{"no dims", nil, []WriteTensor{{Name: "a", Type: F32}}, 0, "0 dims"},
		{"5 dims", nil, []WriteTensor{{Name: "a", Type: F32, Dims: []uint64{1, 1, 1, 1, 1}, Data: make([]byte, 4)}}, 0, "5 dims"},
		{"unknown type", nil, []WriteTensor{{Name: "a", Type: 31, Dims: []uint64{1}}}, 0, "unknown ggml type 31"},
		{"block", nil, []WriteTensor{{Name: "a", Type: Q4_K, Dims: []uint64{128}}}, 0, "multiple of 256"},
		{"overflow", nil, []WriteTensor{{Name: "a", Type: F32, Dims: []uint64{1 << 62, 4}}}, 0, "overflows"},
		{"size", nil, []WriteTensor{{Name: "a", Type: Q8_0, Dims: []uint64{32, 2}, Data: make([]byte, 67)}}, 0, "need 68 bytes, data has 67"},
	}
	for _, tc := range tests {
		err := Write(&bytes.Buffer{}, tc.kvs, tc.tensors, tc.align)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "gguf: write: ") {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// nest returns n arrays nested in each other.
func nest(n int) Value {
	v := ArrayOf([]uint8{7})
	for range n - 1 {
		v = Arrays(v)
	}
	return v
}

func TestMaxDepth(t *testing.T) {
	f, err := Parse("deep.gguf", encode(t, []KV{{"k", nest(MaxArrayDepth)}}, nil, 0))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := f.Value("k")
	for range MaxArrayDepth - 1 {
		v = v.Index(0)
	}
	if x, ok := v.Uints(); !ok || len(x) != 1 || x[0] != 7 {
		t.Errorf("innermost = %v", v)
	}
}

func TestWriteFailure(t *testing.T) {
	for n := range 4 {
		err := Write(&filetest.FailWriter{N: n}, sampleKVs(), sampleTensors(), 0)
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("after %d writes: %v", n, err)
		}
	}
}
