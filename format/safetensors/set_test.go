package safetensors

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// shardedDir writes two shards and an index mapping each tensor to its shard.
func shardedDir(t *testing.T) (string, map[string][]byte) {
	dir := t.TempDir()
	s1 := []WriteTensor{
		{Name: "embed", DType: "BF16", Shape: []int{4, 2}, Data: seq(0, 16)},
		{Name: "layer.0.w", DType: "F32", Shape: []int{2}, Data: seq(16, 8)},
	}
	s2 := []WriteTensor{
		{Name: "layer.1.w", DType: "F32", Shape: []int{2}, Data: seq(24, 8)},
		{Name: "norm", DType: "F16", Shape: []int{2}, Data: seq(32, 4)},
	}
	writeFile(t, dir, "model-00001-of-00002.safetensors", encode(t, s1, nil))
	writeFile(t, dir, "sub/model-00002-of-00002.safetensors", encode(t, s2, nil))
	writeFile(t, dir, IndexName, []byte(`{"metadata":{"total_size":36},"weight_map":{
		"embed":"model-00001-of-00002.safetensors",
		"layer.0.w":"./model-00001-of-00002.safetensors",
		"layer.1.w":"sub/model-00002-of-00002.safetensors",
		"norm":"sub/model-00002-of-00002.safetensors"}}`))
	want := map[string][]byte{}
	for _, w := range append(s1, s2...) {
		want[w.Name] = w.Data
	}
	return dir, want
}

func TestSetSharded(t *testing.T) {
	dir, want := shardedDir(t)
	s, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(s.files) != 0 {
		t.Errorf("OpenDir opened %d shards eagerly", len(s.files))
	}
	if got := s.Names(); !reflect.DeepEqual(got, []string{"embed", "layer.0.w", "layer.1.w", "norm"}) {
		t.Errorf("Names = %v", got)
	}
	if !s.Has("norm") || s.Has("nope") {
		t.Error("Has is wrong")
	}
	info, err := s.Info("embed")
	if err != nil || info.DType != "BF16" || !reflect.DeepEqual(info.Shape, []int{4, 2}) {
		t.Errorf("Info(embed) = %+v, %v", info, err)
	}
	if len(s.files) != 1 {
		t.Errorf("after one shard's use, %d shards are open", len(s.files))
	}
	for name, data := range want {
		tn, err := s.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tn.Data, data) {
			t.Errorf("%s: data %v, want %v", name, tn.Data, data)
		}
	}
	if name := "layer.1.w"; !strings.HasSuffix(mustTensor(t, s, name).File, filepath.Join("sub", "model-00002-of-00002.safetensors")) {
		t.Errorf("%s: wrong File", name)
	}
	_, err = s.Tensor("nope")
	if !errors.Is(err, ErrNotFound) || err.Error() != `safetensors: tensor "nope" not found in `+dir {
		t.Errorf("missing tensor: %v", err)
	}
	if _, err := s.Info("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Info(missing): %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tensor("embed"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Tensor after Close: %v", err)
	}
}

func mustTensor(t *testing.T, s *Set, name string) *Tensor {
	t.Helper()
	tn, err := s.Tensor(name)
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

func TestSetSingle(t *testing.T) {
	b := encode(t, sample(), nil)
	check := func(t *testing.T, path, wantFile string) {
		s, err := OpenDir(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if got := s.Names(); len(got) != len(sample()) || got[0] != "a.weight" {
			t.Errorf("Names = %v", got)
		}
		for _, w := range sample() {
			tn := mustTensor(t, s, w.Name)
			if !bytes.Equal(tn.Data, w.Data) || tn.File != wantFile {
				t.Errorf("%s: %v from %s", w.Name, tn.Data, tn.File)
			}
		}
		if _, err := s.Tensor("nope"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "not found in "+wantFile) {
			t.Errorf("missing tensor: %v", err)
		}
	}
	t.Run("model.safetensors", func(t *testing.T) {
		dir := t.TempDir()
		p := writeFile(t, dir, "model.safetensors", b)
		writeFile(t, dir, "other.safetensors", b) // model.safetensors wins
		check(t, dir, p)
	})
	t.Run("only file", func(t *testing.T) {
		dir := t.TempDir()
		p := writeFile(t, dir, "weights.safetensors", b)
		check(t, dir, p)
	})
	t.Run("file path", func(t *testing.T) {
		p := writeFile(t, t.TempDir(), "x.safetensors", b)
		check(t, p, p)
	})
}

func TestSetErrors(t *testing.T) {
	good := encode(t, []WriteTensor{{Name: "a", DType: "U8", Shape: []int{2}, Data: seq(0, 2)}}, nil)
	tests := []struct {
		name  string
		files map[string]string // extra files; the shard "s.safetensors" always exists
		index string            // "" for none
		want  string
	}{
		{name: "parent", index: `{"weight_map":{"a":"../s.safetensors"}}`, want: `tensor "a" maps to "../s.safetensors", which is outside the directory`},
		{name: "absolute", index: `{"weight_map":{"a":"/etc/passwd"}}`, want: "outside the directory"},
		{name: "dotdot inside", index: `{"weight_map":{"a":"x/../../s.safetensors"}}`, want: "outside the directory"},
		{name: "empty shard", index: `{"weight_map":{"a":""}}`, want: "outside the directory"},
		{name: "missing shard", index: `{"weight_map":{"a":"gone.safetensors"}}`, want: `tensor "a": shard gone.safetensors`},
		{name: "no weight_map", index: `{"metadata":{}}`, want: `no "weight_map"`},
		{name: "empty weight_map", index: `{"weight_map":{}}`, want: "weight_map is empty"},
		{name: "weight_map not object", index: `{"weight_map":[]}`, want: "weight_map is an array"},
		{name: "shard not string", index: `{"weight_map":{"a":1}}`, want: `weight_map["a"] is a number`},
		{name: "duplicate entry", index: `{"weight_map":{"a":"s.safetensors","a":"s.safetensors"}}`, want: `duplicate tensor name "a"`},
		{name: "bad json", index: `{"weight_map":`, want: "invalid JSON"},
		{name: "trailing", index: `{"weight_map":{"a":"s.safetensors"}}]`, want: "after the top-level object"},
		{name: "two files", files: map[string]string{"t.safetensors": ""}, want: "2 *.safetensors files (s.safetensors, t.safetensors)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "s.safetensors", good)
			for n, c := range tc.files {
				writeFile(t, dir, n, []byte(c))
			}
			if tc.index != "" {
				writeFile(t, dir, IndexName, []byte(tc.index))
			}
			s, err := OpenDir(dir)
			if err == nil {
				s.Close()
				t.Fatalf("OpenDir succeeded, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want %q", err, tc.want)
			}
		})
	}

	t.Run("empty dir", func(t *testing.T) {
		if _, err := OpenDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no "+IndexName) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("absent", func(t *testing.T) {
		if _, err := OpenDir(filepath.Join(t.TempDir(), "x")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("shard lacks tensor", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "s.safetensors", good)
		writeFile(t, dir, "t.safetensors", good)
		writeFile(t, dir, IndexName, []byte(`{"weight_map":{"a":"s.safetensors","b":"t.safetensors"}}`))
		s, err := OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Tensor("a"); err != nil {
			t.Fatal(err)
		}
		_, err = s.Tensor("b")
		want := "safetensors: " + filepath.Join(dir, "t.safetensors") + `: tensor "b": ` + filepath.Join(dir, IndexName) + " maps it to shard t.safetensors, which does not contain it"
		if err == nil || err.Error() != want {
			t.Errorf("error %v, want %s", err, want)
		}
		if _, err := s.Info("b"); err == nil {
			t.Error("Info succeeded")
		}
	})
	t.Run("bad shard", func(t *testing.T) {
		dir := t.TempDir()
		p := writeFile(t, dir, "s.safetensors", good[:len(good)-1])
		writeFile(t, dir, IndexName, []byte(`{"weight_map":{"a":"s.safetensors"}}`))
		s, err := OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, err = s.Tensor("a")
		if err == nil || !strings.Contains(err.Error(), p+`: tensor "a": data_offsets [0, 2] end past the data section (1 bytes)`) {
			t.Errorf("error %v", err)
		}
	})
}

// TestSetSymlinkedShard checks the Hugging Face cache layout, where snapshot
// files are symbolic links into a sibling blobs directory.
func TestSetSymlinkedShard(t *testing.T) {
	root := t.TempDir()
	blob := writeFile(t, root, "blobs/abc", encode(t, sample(), nil))
	snap := filepath.Join(root, "snapshots", "rev")
	if err := os.MkdirAll(snap, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(blob, filepath.Join(snap, "model-1.safetensors")); err != nil {
		t.Skipf("no symlinks: %v", err)
	}
	writeFile(t, snap, IndexName, []byte(`{"weight_map":{"fp8":"model-1.safetensors"}}`))
	s, err := OpenDir(snap)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if tn := mustTensor(t, s, "fp8"); !bytes.Equal(tn.Data, seq(7, 5)) {
		t.Errorf("data %v", tn.Data)
	}
}
