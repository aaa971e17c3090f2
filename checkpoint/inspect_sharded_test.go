package checkpoint

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/herd-llm/herd/format/safetensors"
)

// shardTiny writes the tiny f32 model as two shards with an index into a
// temporary directory, the index naming shard of for each tensor.
func shardTiny(t *testing.T, shardFor func(name string, i int) string) string {
	dir := tinyCopy(t)
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	shards := map[string][]safetensors.WriteTensor{}
	weightMap := map[string]string{}
	for i, n := range set.Names() {
		x, err := set.Tensor(n)
		if err != nil {
			t.Fatal(err)
		}
		s := shardFor(n, i)
		weightMap[n] = s
		shards[s] = append(shards[s], safetensors.WriteTensor{Name: n, DType: x.DType, Shape: x.Shape, Data: x.Data})
	}
	for s, ts := range shards {
		var buf bytes.Buffer
		if err := safetensors.Write(&buf, ts, nil); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, s), buf.Bytes())
	}
	b, err := json.Marshal(map[string]any{"weight_map": weightMap})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, safetensors.IndexName), b)
	if err := os.Remove(filepath.Join(dir, "model.safetensors")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestInspectSharded: every shard is opened and reported; a tensor the
// index places in the wrong shard, or a broken second shard, is an error.
func TestInspectSharded(t *testing.T) {
	two := func(_ string, i int) string { return []string{"a.safetensors", "b.safetensors"}[i%2] }
	r, err := Inspect(shardTiny(t, two))
	if err != nil {
		t.Fatal(err)
	}
	if r.Format != "safetensors" || len(r.Files) != 2 || r.Tensors != 45 || r.DTypes[0].DType != "F32" {
		t.Errorf("report %+v", r)
	}

	dir := shardTiny(t, two)
	b, err := os.ReadFile(filepath.Join(dir, "b.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "b.safetensors"), b[:len(b)/2])
	if _, err := Inspect(dir); err == nil || !strings.Contains(err.Error(), "b.safetensors") {
		t.Errorf("truncated second shard: %v", err)
	}

	// The index places model.norm.weight in the other shard.
	moved := func(n string, i int) string {
		if n == "model.norm.weight" {
			return two(n, i+1)
		}
		return two(n, i)
	}
	dir = shardTiny(t, two)
	var idx map[string]map[string]string
	b, err = os.ReadFile(filepath.Join(dir, safetensors.IndexName))
	if err == nil {
		err = json.Unmarshal(b, &idx)
	}
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range slices.Sorted(maps.Keys(idx["weight_map"])) {
		idx["weight_map"][n] = moved(n, i)
	}
	if b, err = json.Marshal(idx); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, safetensors.IndexName), b)
	if _, err := Inspect(dir); err == nil || !strings.Contains(err.Error(), "does not contain it") {
		t.Errorf("tensor in the wrong shard: %v", err)
	}
}
