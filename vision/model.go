package vision

import (
	"fmt"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/tensor"
)

// Model is a bound vision tower with its adapter and projector. Its weights
// are read-only, so one Model may encode several images concurrently.
type Model struct {
	Config  Config
	Weights *Weights
	rope    *rope2D
}

// New assembles a model from a config and bound weights.
func New(cfg Config, w *Weights) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if w == nil || len(w.Layers) != cfg.Layers {
		return nil, fmt.Errorf("vision: weights do not match the config's %d layers", cfg.Layers)
	}
	return &Model{Config: cfg, Weights: w, rope: newRope2D(cfg.Grid(), cfg.HeadDim(), cfg.RopeTheta)}, nil
}

// Stage names passed to an Encode hook, in order.
const (
	StagePatchEmbed    = "patch_embed"    // [Patches, Hidden] per tile
	StageLayerNormPre  = "layernorm_pre"  // [Patches+1, Hidden], class token last
	StageEncoder       = "encoder"        // [Patches+1, Hidden] after the last layer
	StageLayerNormPost = "layernorm_post" // [Patches+1, Hidden]
	StagePixelShuffle  = "pixel_shuffle"  // [TokensPerTile, ShuffledDim]
	StageAdapter       = "adapter"        // [TokensPerTile, OutputDim]: the vision model's output
	StageProjector     = "projector"      // [TokensPerTile, TextHidden]
)

// Hook, when given to EncodeTile, sees each stage's activations of the tile;
// the slice is only valid during the call.
type Hook func(stage string, x []float32)

// Encode runs the vision tower, adapter and projector on every tile of px
// (tiles are independent) and returns the projected features
// [NumTiles·TokensPerTile, TextHidden], the rows that replace the image's
// <|patch|> embeddings, in order.
func (m *Model) Encode(px *Pixels) ([]float32, error) {
	c := &m.Config
	if px.TileSize != c.TileSize {
		return nil, fmt.Errorf("vision: pixels have %d-pixel tiles, the model takes %d", px.TileSize, c.TileSize)
	}
	per := c.TokensPerTile() * c.TextHidden
	out := make([]float32, len(px.Tiles)*per)
	for i, t := range px.Tiles {
		if err := m.EncodeTile(out[i*per:(i+1)*per], t, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// EncodeTile runs one tile [Channels, TileSize, TileSize] through the
// encoder, pixel shuffle, adapter and projector, writing
// [TokensPerTile, TextHidden] to dst. hook may be nil.
func (m *Model) EncodeTile(dst, tile []float32, hook Hook) error {
	c := &m.Config
	w := m.Weights
	if len(tile) != c.Channels*c.TileSize*c.TileSize {
		return fmt.Errorf("vision: tile has %d values, want %d", len(tile), c.Channels*c.TileSize*c.TileSize)
	}
	if len(dst) != c.TokensPerTile()*c.TextHidden {
		return fmt.Errorf("vision: output has %d values, want %d", len(dst), c.TokensPerTile()*c.TextHidden)
	}
	if hook == nil {
		hook = func(string, []float32) {}
	}
	D, P := c.Hidden, c.Patches()
	N := P + 1
	// 1. Patch embedding: unfold (channel, then row, then column in the patch) and project.
	patches := unfold(tile, c.Channels, c.TileSize, c.PatchSize)
	h := make([]float32, N*D)
	matmul(h[:P*D], patches, P, w.PatchEmbed)
	hook(StagePatchEmbed, h[:P*D])
	// 2–4. Class token last, positional embedding, layernorm_pre.
	copy(h[P*D:], w.Class)
	for i := range h {
		h[i] += w.Pos[i]
	}
	normRows(h, h, w.PreW, w.PreB, D, c.NormEps)
	hook(StageLayerNormPre, h)
	// 5. Encoder layers.
	s := newScratch(c, N)
	for l := range w.Layers {
		m.layer(&w.Layers[l], h, s)
	}
	hook(StageEncoder, h)
	// 6. layernorm_post, then drop the class token.
	normRows(h, h, w.PostW, w.PostB, D, c.NormEps)
	hook(StageLayerNormPost, h)
	// 7. Pixel shuffle and the adapter MLP (GELU after both layers).
	k := c.ShuffleFactor()
	x := pixelShuffle(h[:P*D], c.Grid(), D, k)
	hook(StagePixelShuffle, x)
	T := c.TokensPerTile()
	a := make([]float32, T*c.AdapterDim)
	matmul(a, x, T, w.AdapterFC1)
	geluAll(a)
	o := make([]float32, T*c.OutputDim)
	matmul(o, a, T, w.AdapterFC2)
	geluAll(o)
	hook(StageAdapter, o)
	// 8. Projector into the text embedding space.
	matmul(dst, o, T, w.Projector)
	addBias(dst, w.ProjectorB)
	hook(StageProjector, dst)
	return nil
}

// unfold cuts a [C, S, S] tile into (S/p)² patches in row-major order, each
// flattened channel first, then row, then column: [patches, C·p·p].
func unfold(tile []float32, C, S, p int) []float32 {
	g := S / p
	dim := C * p * p
	out := make([]float32, g*g*dim)
	for py := 0; py < g; py++ {
		for px := 0; px < g; px++ {
			dst := out[(py*g+px)*dim:]
			for ch := 0; ch < C; ch++ {
				for ky := 0; ky < p; ky++ {
					src := tile[(ch*S+py*p+ky)*S+px*p:][:p]
					copy(dst[(ch*p+ky)*p:], src)
				}
			}
		}
	}
	return out
}

// matmul is dst = x·Wᵀ for n rows with the text model's kernel (SIMD,
// threaded, any weight dtype including the block-quantized ones).
func matmul(dst, x []float32, n int, w *tensor.Mat) { kernels.MatMul(dst, x, n, w) }
