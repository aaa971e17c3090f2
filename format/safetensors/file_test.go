package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/filetest"
)

// sample is a set of tensors covering several dtypes, a scalar and an empty tensor.
func sample() []WriteTensor {
	return []WriteTensor{
		{Name: "b.weight", DType: "BF16", Shape: []int{2, 3}, Data: seq(0, 12)},
		{Name: "a.weight", DType: "F32", Shape: []int{3}, Data: seq(100, 12)},
		{Name: "empty", DType: "F16", Shape: []int{0, 7}, Data: nil},
		{Name: "scalar", DType: "I64", Shape: nil, Data: seq(50, 8)},
		{Name: "fp8", DType: "F8_E4M3", Shape: []int{1, 5}, Data: seq(7, 5)},
	}
}

func TestRoundTrip(t *testing.T) {
	in := sample()
	md := map[string]string{"format": "pt", "note": "<&>"}
	b := encode(t, in, md)
	if n := binary.LittleEndian.Uint64(b); n%8 != 0 || !bytes.HasSuffix(bytes.TrimRight(b[8:8+n], " "), []byte("}")) {
		t.Errorf("header length %d is not a multiple of 8 or not space padded: %q", n, b[8:8+n])
	}
	path := writeFile(t, t.TempDir(), "m.safetensors", b)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !reflect.DeepEqual(f.Header.Metadata, md) {
		t.Errorf("Metadata = %v, want %v", f.Header.Metadata, md)
	}
	if want := []string{"b.weight", "a.weight", "empty", "scalar", "fp8"}; !reflect.DeepEqual(f.Header.Order, want) {
		t.Errorf("Order = %v, want the write order %v", f.Header.Order, want)
	}
	for _, w := range in {
		got, err := f.Tensor(w.Name)
		if err != nil {
			t.Fatal(err)
		}
		wantShape := w.Shape
		if wantShape == nil {
			wantShape = []int{}
		}
		if got.Name != w.Name || got.DType != w.DType || !reflect.DeepEqual(got.Shape, wantShape) || got.File != path {
			t.Errorf("%s: got %+v", w.Name, got.Info)
		}
		if !bytes.Equal(got.Data, w.Data) || len(got.Data) != int(got.End-got.Begin) {
			t.Errorf("%s: data %v, want %v", w.Name, got.Data, w.Data)
		}
	}
	// The returned shape is a copy: changing it leaves the header alone.
	t1, _ := f.Tensor("b.weight")
	t1.Shape[0] = 99
	if f.Header.Tensors["b.weight"].Shape[0] != 2 {
		t.Error("Tensor's Shape aliases the header")
	}
	_, err = f.Tensor("nope")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `tensor "nope" not found in `+path) {
		t.Errorf("missing tensor: %v", err)
	}
	filetest.CloseTwice(t, f)
	if _, err := f.Tensor("b.weight"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Tensor after Close: %v", err)
	}
}

func TestOpenEmptyData(t *testing.T) {
	dir := t.TempDir()
	for name, ts := range map[string][]WriteTensor{
		"none.safetensors":  nil,
		"zeros.safetensors": {{Name: "z", DType: "F32", Shape: []int{0}}},
	} {
		f, err := Open(writeFile(t, dir, name, encode(t, ts, nil)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.data != nil {
			t.Errorf("%s: mapped an empty data section", name)
		}
		if len(ts) > 0 {
			z, err := f.Tensor("z")
			if err != nil || len(z.Data) != 0 {
				t.Errorf("%s: %v, %v", name, z, err)
			}
		}
		f.Close()
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	good := encode(t, sample(), nil)
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"short", good[:5], "too short (5 bytes)"},
		{"truncated header", good[:20], "exceeds the 12 bytes after the length field"},
		{"truncated data", good[:len(good)-3], `end past the data section`},
		{"bad dtype", rawFile(`{"x":{"dtype":"Q8","shape":[1],"data_offsets":[0,1]}}`, []byte{1}), `tensor "x": unknown dtype "Q8"`},
		{"duplicate", rawFile(`{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, []byte{1, 2}), `duplicate tensor name "x"`},
	}
	for _, tc := range tests {
		path := writeFile(t, dir, tc.name+".safetensors", tc.file)
		f, err := Open(path)
		if err == nil {
			f.Close()
			t.Errorf("%s: Open succeeded", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "safetensors: "+path+": ") {
			t.Errorf("%s: error %q, want the path and %q", tc.name, err, tc.want)
		}
	}
	if _, err := Open(filepath.Join(dir, "absent")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: %v", err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
}

func TestFloat32s(t *testing.T) {
	f32 := make([]byte, 8)
	binary.LittleEndian.PutUint32(f32, math.Float32bits(1))
	binary.LittleEndian.PutUint32(f32[4:], math.Float32bits(-2.5))
	want := []float32{1, -2.5}
	tests := []struct {
		dtype string
		data  []byte
		want  []float32
	}{
		{"F32", f32, want},
		{"BF16", []byte{0x80, 0x3f, 0x20, 0xc0}, want},
		{"F16", []byte{0x00, 0x3c, 0x00, 0xc1}, want},
		{"F8_E4M3", []byte{0x38, 0xc2}, want},
	}
	for _, tc := range tests {
		tn := &Tensor{Info: Info{Name: "t", DType: tc.dtype, Shape: []int{2}}, Data: tc.data}
		got, err := tn.Float32s()
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, %v; want %v", tc.dtype, got, err, tc.want)
		}
	}
	bad := []*Tensor{
		{Info: Info{Name: "t", DType: "I32", Shape: []int{2}}, Data: f32},
		{Info: Info{Name: "t", DType: "F32", Shape: []int{3}}, Data: f32},
		{Info: Info{Name: "t", DType: "F32", Shape: []int{-1}}, Data: f32},
	}
	for _, tn := range bad {
		if _, err := tn.Float32s(); err == nil || !strings.Contains(err.Error(), `tensor "t"`) {
			t.Errorf("%v %v: error %v", tn.DType, tn.Shape, err)
		}
	}
}
