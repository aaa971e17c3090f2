package runlog

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestWriteLossPlot plots a synthetic log and checks the PNG: its size, and
// that the validation curve (red) and training curve (blue) were drawn.
func TestWriteLossPlot(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(logHeader)
	for s := 1; s <= 200; s++ {
		l := 2 + 6*math.Exp(-float64(s)/40) + 0.1*math.Sin(float64(s))
		val := ","
		if s%50 == 0 {
			val = "3.1,2.2"
		}
		b.WriteString(strings.Join([]string{strconv.Itoa(s), "0.001", strconv.FormatFloat(l, 'f', 6, 64), "1", "0", "0", "0", val}, ",") + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, File), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteLossPlot(dir); err != nil {
		t.Fatal(err)
	}
	f, err := os.ReadFile(filepath.Join(dir, LossPlotFile))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != plotW || r.Dy() != plotH {
		t.Fatalf("plot is %v", r)
	}
	count := map[[3]uint32]int{}
	for y := plotT; y < plotH-plotB; y++ {
		for x := plotL + 1; x < plotW-plotR; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			count[[3]uint32{r >> 8, g >> 8, bl >> 8}]++
		}
	}
	for name, c := range map[string][3]uint32{"train": {30, 90, 200}, "val": {210, 40, 40}, "raw": {170, 200, 235}} {
		if count[c] < 50 {
			t.Errorf("%s curve: %d pixels drawn", name, count[c])
		}
	}
	if err := os.WriteFile(filepath.Join(dir, File), []byte(logHeader+"1,2,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteLossPlot(dir); err == nil {
		t.Error("a malformed log: want an error")
	}
}

// TestExpertPlotShares: the plot's intervals sum the logged counts, and a
// dead expert's interval still stacks to the full panel.
func TestExpertPlotShares(t *testing.T) {
	rows := []Row{{Step: 1, ExpertTokens: [][]int64{{3, 0, 1}}}, {Step: 2, ExpertTokens: [][]int64{{1, 0, 3}}}}
	bins := binExperts(rows, 1)
	if len(bins) != 1 || bins[0].lo != 0 || bins[0].hi != 2 || bins[0].counts[0][0] != 4 || bins[0].counts[0][2] != 4 {
		t.Fatalf("bins %+v", bins)
	}
	img := plotExperts(rows, "t")
	// The panel's top row (share 1) is coloured by the last expert.
	x, y := plotL+100, 60+20+1
	if c := img.RGBAAt(x, y); c != expertColors[2] {
		t.Errorf("top of the bar is %v, want expert 2's colour", c)
	}
	if c := img.RGBAAt(x, 60+20-3); c == expertColors[2] {
		t.Errorf("the bar overflows the panel")
	}
}
