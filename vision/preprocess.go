package vision

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// PreprocessConfig holds the image processor settings (Hugging Face
// preprocessor_config.json of Llama4ImageProcessorFast).
type PreprocessConfig struct {
	TileSize          int        // size.height = size.width (336)
	MaxTiles          int        // max_patches: most tiles per image, global tile excluded (16)
	ResizeToMaxCanvas bool       // resize_to_max_canvas (false)
	RescaleFactor     float32    // rescale_factor (1/255)
	Mean, Std         [3]float32 // image_mean, image_std (0.5 each)
}

// DefaultPreprocess is the released processor configuration for a tile size.
func DefaultPreprocess(tile int) PreprocessConfig {
	return PreprocessConfig{TileSize: tile, MaxTiles: 16, RescaleFactor: float32(1.0 / 255),
		Mean: [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.5, 0.5, 0.5}}
}

// LoadPreprocess reads preprocessor_config.json at path; a missing file gives
// DefaultPreprocess(tile). It refuses settings the model cannot use (a tile
// size other than the vision tower's image_size, non-square tiles, a
// resampling filter other than bilinear).
func LoadPreprocess(path string, tile int) (PreprocessConfig, error) {
	p := DefaultPreprocess(tile)
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("vision: %w", err)
	}
	var raw struct {
		Size *struct {
			Height int `json:"height"`
			Width  int `json:"width"`
		} `json:"size"`
		MaxPatches        *int      `json:"max_patches"`
		ResizeToMaxCanvas *bool     `json:"resize_to_max_canvas"`
		RescaleFactor     *float64  `json:"rescale_factor"`
		ImageMean         []float64 `json:"image_mean"`
		ImageStd          []float64 `json:"image_std"`
		Resample          *int      `json:"resample"`
		DoRescale         *bool     `json:"do_rescale"`
		DoNormalize       *bool     `json:"do_normalize"`
		DoResize          *bool     `json:"do_resize"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return p, fmt.Errorf("vision: %s: %w", path, err)
	}
	if raw.Size != nil {
		if raw.Size.Height != raw.Size.Width || raw.Size.Height != tile {
			return p, fmt.Errorf("vision: %s: size %d×%d does not match the vision tower's %d×%d tiles", path, raw.Size.Height, raw.Size.Width, tile, tile)
		}
	}
	if raw.MaxPatches != nil {
		p.MaxTiles = *raw.MaxPatches
	}
	if raw.ResizeToMaxCanvas != nil {
		p.ResizeToMaxCanvas = *raw.ResizeToMaxCanvas
	}
	if raw.RescaleFactor != nil {
		p.RescaleFactor = float32(*raw.RescaleFactor)
	}
	for name, src := range map[string][]float64{"image_mean": raw.ImageMean, "image_std": raw.ImageStd} {
		if src == nil {
			continue
		}
		if len(src) != 3 {
			return p, fmt.Errorf("vision: %s: %s has %d values, want 3", path, name, len(src))
		}
		dst := &p.Mean
		if name == "image_std" {
			dst = &p.Std
		}
		for i, v := range src {
			dst[i] = float32(v)
		}
	}
	if raw.Resample != nil && *raw.Resample != 2 {
		return p, fmt.Errorf("vision: %s: resample %d is not supported (only 2, bilinear)", path, *raw.Resample)
	}
	for name, v := range map[string]*bool{"do_rescale": raw.DoRescale, "do_normalize": raw.DoNormalize, "do_resize": raw.DoResize} {
		if v != nil && !*v {
			return p, fmt.Errorf("vision: %s: %s = false is not supported", path, name)
		}
	}
	return p, p.Validate()
}

// Validate checks the settings.
func (p *PreprocessConfig) Validate() error {
	if p.TileSize <= 0 || p.MaxTiles <= 0 || p.MaxTiles > 64 {
		return fmt.Errorf("vision: tile size %d and max tiles %d must be positive (max tiles at most 64)", p.TileSize, p.MaxTiles)
	}
	if !(p.RescaleFactor > 0 && p.RescaleFactor <= 1) {
		return fmt.Errorf("vision: rescale_factor = %g must be in (0, 1]", p.RescaleFactor)
	}
	// Bounds that keep every normalised pixel finite.
	for c := 0; c < 3; c++ {
		if s := math.Abs(float64(p.Std[c])); !(s >= 1e-3 && s <= 1e3) {
			return fmt.Errorf("vision: image_std[%d] = %g must have a magnitude in [1e-3, 1e3]", c, p.Std[c])
		}
		if m := math.Abs(float64(p.Mean[c])); !(m <= 1e3) {
			return fmt.Errorf("vision: image_mean[%d] = %g must have a magnitude of at most 1e3", c, p.Mean[c])
		}
	}
	return nil
}

// Pixels is one preprocessed image: its tiles, row-major, then (when there
// is more than one) the global tile, each Channels×TileSize×TileSize float32
// values in [−1, 1] (bfloat16 values stored as float32), the layout of
// pixel_values.
type Pixels struct {
	Rows, Cols int         // the canvas in tiles (the reference's aspect_ratio)
	TileSize   int         // S
	Tiles      [][]float32 // Rows·Cols tiles (+1 global tile when Rows·Cols > 1), each [3, S, S]
	// Canvas is the uint8 canvas before rescaling, [3, Rows·S, Cols·S]: the
	// resized image padded with zeros at the bottom and right. Global is the
	// image resized to S×S, [3, S, S], or nil for a single-tile image. Both
	// are kept for tests and diagnostics.
	Canvas, Global []uint8
	ResizedH       int // the image's size on the canvas before padding
	ResizedW       int
}

// Preprocess turns an RGB image into tiles exactly as the reference
// processor (spec §5.1): choose the canvas, resize with the antialiased
// bilinear filter, pad with black to the canvas, rescale and normalise in
// bfloat16, split into tiles, and append the global tile (the whole image
// resized to one tile, aspect ratio not kept) when there is more than one.
func Preprocess(img *Image, cfg PreprocessConfig) (*Pixels, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if img == nil || img.W <= 0 || img.H <= 0 || len(img.Pix) != 3*img.W*img.H {
		return nil, fmt.Errorf("vision: invalid image")
	}
	S := cfg.TileSize
	cv := bestCanvas(img.H, img.W, S, cfg.MaxTiles, cfg.ResizeToMaxCanvas)
	ch, cw := cv.Rows*S, cv.Cols*S
	nh, nw := resizeTarget(img.H, img.W, ch, cw, S, cfg.ResizeToMaxCanvas)
	resized := Resize(img, nh, nw)
	canvas := make([]uint8, 3*ch*cw)
	for c := 0; c < 3; c++ {
		for y := 0; y < nh; y++ {
			copy(canvas[(c*ch+y)*cw:(c*ch+y)*cw+nw], resized[(c*nh+y)*nw:(c*nh+y+1)*nw])
		}
	}
	norm := newNormalizer(cfg.RescaleFactor, cfg.Mean, cfg.Std)
	px := &Pixels{Rows: cv.Rows, Cols: cv.Cols, TileSize: S, Canvas: canvas, ResizedH: nh, ResizedW: nw}
	for r := 0; r < cv.Rows; r++ {
		for col := 0; col < cv.Cols; col++ {
			t := make([]float32, 3*S*S)
			for c := 0; c < 3; c++ {
				lut := &norm.lut[c]
				for y := 0; y < S; y++ {
					src := canvas[(c*ch+r*S+y)*cw+col*S:][:S]
					dst := t[(c*S+y)*S:][:S]
					for x, v := range src {
						dst[x] = lut[v]
					}
				}
			}
			px.Tiles = append(px.Tiles, t)
		}
	}
	if cv.Rows*cv.Cols > 1 {
		px.Global = Resize(img, S, S)
		t := make([]float32, 3*S*S)
		for i, v := range px.Global {
			t[i] = norm.lut[i/(S*S)][v]
		}
		px.Tiles = append(px.Tiles, t)
	}
	return px, nil
}
