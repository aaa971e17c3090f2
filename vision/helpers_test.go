package vision

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel"
)

// goldenDir holds the tiny Llama4ForConditionalGeneration and its golden
// values, in the repository's testdata.
const goldenDir = "../testdata/llama4-tiny-vision"

// golden returns the path of a file of the golden folder, skipping the test
// when the folder is absent.
func golden(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(goldenDir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("golden data absent (%v): expected in the repository at %s", err, goldenDir)
	}
	return p
}

// maxDiff returns the largest |a−b| (+Inf on a NaN or a length mismatch) and where.
func maxDiff(a, b []float32) (float64, int) {
	if len(a) != len(b) {
		return math.Inf(1), -1
	}
	worst, at := 0.0, -1
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if math.IsNaN(d) {
			return math.Inf(1), i
		}
		if d > worst {
			worst, at = d, i
		}
	}
	return worst, at
}

// tinyPreprocess is the tiny model's processor: 56-pixel tiles, at most 4.
func tinyPreprocess() PreprocessConfig {
	p := DefaultPreprocess(56)
	p.MaxTiles = 4
	return p
}

// goldenImage decodes one of the two golden test images.
func goldenImage(t testing.TB, name string) *Image {
	t.Helper()
	img, err := Decode(testmodel.ReadFile(t, golden(t, "images/"+name+".png")), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
