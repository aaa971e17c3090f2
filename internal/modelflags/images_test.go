package modelflags

import (
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/vision"
)

// serveVision loads the tiny multimodal model's tower as herd serve does,
// quantized with quant ("" for none); it is closed when the test ends.
func serveVision(t *testing.T, quant string) *llama4.Vision {
	t.Helper()
	dir := tinymodel.VisionWeights(t)
	m, _ := tinymodel.LoadVision(t, true)
	tok, err := checkpoint.LoadTokenizer(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	vis, err := ServeVision(dir, m, tok, quant, io.Discard)
	if err != nil || vis == nil {
		t.Fatalf("ServeVision: %v %v", vis, err)
	}
	t.Cleanup(func() { vis.Close() })
	return vis
}

// TestServeVisionBytes: the tower herd serve plans beside its model counts
// its weights as loaded (the checkpoint's tensors; fewer bytes quantized)
// and, as scratch, one image's pixels and features and one tile's buffers:
// beyond the pixels, at most what encoding an image of the most tiles
// allocates (tiles run one after another, so the rest is garbage by the
// next tile) and more than its features.
func TestServeVisionBytes(t *testing.T) {
	vis := serveVision(t, "")
	f, err := safetensors.Open(tinymodel.VisionWeights(t) + "/model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want int64
	for name, in := range f.Header.Tensors {
		if strings.HasPrefix(name, "vision_model.") || strings.HasPrefix(name, "multi_modal_projector.") {
			want += in.End - in.Begin
		}
	}
	if vis.WeightBytes() != want {
		t.Errorf("vision weights %d bytes, the checkpoint's vision tensors %d", vis.WeightBytes(), want)
	}
	r := vis.Resident("vision tower", "--quant lowers it")
	if r.Bytes() != vis.WeightBytes()+vis.ScratchBytes() || r.Name != "vision tower" {
		t.Errorf("resident %+v", r)
	}
	if q := serveVision(t, "q8_0"); q.WeightBytes() >= want || q.ScratchBytes() != vis.ScratchBytes() {
		t.Errorf("q8_0 tower: %d weight bytes (f32 %d), scratch %d (f32 %d)", q.WeightBytes(), want, q.ScratchBytes(), vis.ScratchBytes())
	}

	c := vis.Model.Config
	n := vis.Preprocess.MaxTiles + 1
	px := &vision.Pixels{Rows: 2, Cols: 2, TileSize: c.TileSize}
	for i := 0; i < n; i++ {
		px.Tiles = append(px.Tiles, make([]float32, c.Channels*c.TileSize*c.TileSize))
	}
	if _, err := vis.Model.Encode(px); err != nil { // the kernels' pooled buffers grow
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := vis.Model.Encode(px); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	alloc := int64(after.TotalAlloc - before.TotalAlloc)
	pixels := int64(4 * n * c.Channels * c.TileSize * c.TileSize)
	feats := int64(4 * n * c.TokensPerTile() * c.TextHidden)
	s := vis.ScratchBytes()
	t.Logf("%d tiles: scratch %d bytes (pixels %d, features %d), Encode allocated %d", n, s, pixels, feats, alloc)
	if s-pixels > alloc || s-pixels <= feats {
		t.Errorf("scratch %d bytes beside %d of pixels and %d of features; encoding %d tiles allocated %d", s, pixels, feats, n, alloc)
	}
}
