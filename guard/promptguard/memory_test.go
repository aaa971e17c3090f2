package promptguard

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/herd-llm/herd/format/safetensors"
)

// TestBytes: the weights are every tensor of the checkpoint held as
// float32, and one window's scratch is the live set of a forward pass over
// it: at least one layer's allocations, at most the whole pass's.
func TestBytes(t *testing.T) {
	dir := filepath.Join("testdata", "tiny")
	c, err := LoadClassifier(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want int64
	for _, in := range f.Header.Tensors {
		want += 4 * in.NumElements()
	}
	if got := c.Model.WeightBytes(); got != want {
		t.Errorf("weights %d bytes, the checkpoint's tensors as float32 %d", got, want)
	}
	if c.Bytes() != want+c.Model.ScratchBytes(512) {
		t.Errorf("Bytes %d, want weights + a 512-token window's scratch %d", c.Bytes(), want+c.Model.ScratchBytes(512))
	}
	c.Window = 64
	if c.Bytes() != want+c.Model.ScratchBytes(64) {
		t.Errorf("Bytes with a 64-token window %d", c.Bytes())
	}
	ids := make([]int32, 512)
	for i := range ids {
		ids[i] = int32(i % c.Model.Config.VocabSize)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := c.Model.Logits(ids); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	alloc := int64(after.TotalAlloc - before.TotalAlloc)
	s := c.Model.ScratchBytes(len(ids))
	t.Logf("scratch %d, allocated %d", s, alloc)
	if layers := int64(c.Model.Config.Layers); s < alloc/layers || s > alloc {
		t.Errorf("scratch of a 512-token pass %d bytes; the pass allocates %d over %d layers", s, alloc, layers)
	}
}
