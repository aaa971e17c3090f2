package safetensors

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestOpenBytes checks that a Set over bytes in memory gives the same names,
// header entries and data as OpenDir gives for the same bytes on disk.
func TestOpenBytes(t *testing.T) {
	ts := []WriteTensor{
		{Name: "embed", DType: "BF16", Shape: []int{4, 2}, Data: seq(0, 16)},
		{Name: "layer.0.w", DType: "F32", Shape: []int{2}, Data: seq(16, 8)},
		{Name: "norm", DType: "F16", Shape: []int{2}, Data: seq(32, 4)},
		{Name: "empty", DType: "F32", Shape: []int{0}, Data: nil},
	}
	file := encode(t, ts, map[string]string{"format": "pt"})
	mem, err := OpenBytes("embedded/model.safetensors", file)
	if err != nil {
		t.Fatal(err)
	}
	disk, err := OpenDir(writeFile(t, t.TempDir(), "model.safetensors", file))
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	if !reflect.DeepEqual(mem.Names(), disk.Names()) {
		t.Fatalf("names %v, on disk %v", mem.Names(), disk.Names())
	}
	for _, w := range ts {
		a, err := mem.Tensor(w.Name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := disk.Tensor(w.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a.Info, b.Info) || !bytes.Equal(a.Data, w.Data) || len(a.Data) != len(w.Data) {
			t.Errorf("%s: %+v %v, want %+v %v", w.Name, a.Info, a.Data, b.Info, w.Data)
		}
		if a.File != "embedded/model.safetensors" {
			t.Errorf("%s: File %q", w.Name, a.File)
		}
		if len(a.Data) > 0 && &a.Data[0] != &file[mem.files[a.File].Header.DataStart+a.Begin] {
			t.Errorf("%s: data is a copy, not a view of the bytes", w.Name)
		}
	}
	if md := mem.files["embedded/model.safetensors"].Header.Metadata; md["format"] != "pt" {
		t.Errorf("metadata %v", md)
	}
	if _, err := mem.Tensor("nope"); err == nil || !strings.Contains(err.Error(), "embedded/model.safetensors") {
		t.Errorf("missing tensor: %v", err)
	}
	if err := mem.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Tensor("norm"); err == nil {
		t.Error("Tensor after Close: want an error")
	}
}

// TestOpenBytesErrors checks that invalid bytes are refused as Open refuses
// invalid files, with the name in the error.
func TestOpenBytesErrors(t *testing.T) {
	good := encode(t, []WriteTensor{{Name: "w", DType: "F32", Shape: []int{2}, Data: seq(0, 8)}}, nil)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"short", good[:5], "too short"},
		{"truncated data", good[:len(good)-1], ""},
		{"header past end", rawFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, nil), ""},
		{"not json", rawFile(`{"w":`, nil), ""},
		{"bad dtype", rawFile(`{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}`, seq(0, 4)), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenBytes("mem.safetensors", tc.data)
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), "mem.safetensors") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks the name or %q", err, tc.want)
			}
			// The same bytes on disk are refused too.
			if _, err := OpenDir(writeFile(t, t.TempDir(), filepath.Base("x.safetensors"), tc.data)); err == nil {
				t.Errorf("Open accepts what OpenBytes refuses")
			}
		})
	}
}
