package vision

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadPreprocess feeds arbitrary bytes as preprocessor_config.json for
// 56-pixel tiles: LoadPreprocess must give an error or settings that pass
// Validate and turn a small image into finite tiles; never a panic.
func FuzzLoadPreprocess(f *testing.F) {
	f.Add([]byte(`{"size":{"height":56,"width":56},"max_patches":16,"resize_to_max_canvas":false,"rescale_factor":0.00392156862745098,"image_mean":[0.5,0.5,0.5],"image_std":[0.5,0.5,0.5],"resample":2,"do_rescale":true,"do_normalize":true,"do_resize":true}`))
	f.Add([]byte(`{"image_std":[1e-300,0.5,0.5]}`))
	f.Add([]byte(`{"rescale_factor":1e300,"image_mean":[1e300,0,0]}`))
	f.Add([]byte(`{"max_patches":1099511627776}`))
	f.Add([]byte(`{"size":{"height":56,"width":57}}`))
	f.Add([]byte(`{"image_mean":[0.5,0.5]}`))
	path := filepath.Join(f.TempDir(), "preprocessor_config.json")
	img := &Image{W: 5, H: 3, Pix: make([]uint8, 3*5*3)}
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 37)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := LoadPreprocess(path, 56)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted settings fail Validate: %v", err)
		}
		px, err := Preprocess(img, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, tl := range px.Tiles {
			for _, v := range tl {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("settings %+v give pixel value %v", p, v)
				}
			}
		}
	})
}
