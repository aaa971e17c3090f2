package dataset

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestSplitText: the validation part is the text's last fraction, cut at a
// character boundary.
func TestSplitText(t *testing.T) {
	for _, tc := range []struct {
		text    string
		frac    float64
		wantVal string
	}{
		{"abcdefghij", 0.1, "j"},
		{"abcdefghij", 0, ""},
		{"abcdefgh€", 0.1, "€"}, // the cut moves back to the start of "€"
		{"", 0.5, ""},
	} {
		tp, vp, err := SplitText([]byte(tc.text), tc.frac)
		if err != nil || string(vp) != tc.wantVal || string(tp)+string(vp) != tc.text {
			t.Errorf("SplitText(%q, %g) = %q, %q, %v; want validation %q", tc.text, tc.frac, tp, vp, err, tc.wantVal)
		}
	}
	if _, _, err := SplitText([]byte("x"), 1); err == nil {
		t.Error("fraction 1: want an error")
	}
}

// TestNewDocuments: each document begins with BOS, separators vanish,
// and the validation part is split the same way.
func TestNewDocuments(t *testing.T) {
	d, err := NewDocuments([]byte("ab\n\ncde\n\n\n\nf\n\ngh"), ByteTokenizer{}, 0.25, "\n\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []int32{ByteBOS, 'a', 'b', ByteBOS, 'c', 'd', 'e', ByteBOS, 'f'}
	if fmt.Sprint(d.Train) != fmt.Sprint(want) || d.TrainBytes != 6 {
		t.Errorf("train %v (%d bytes), want %v (6)", d.Train, d.TrainBytes, want)
	}
	if fmt.Sprint(d.Val) != fmt.Sprint([]int32{ByteBOS, 'g', 'h'}) || d.ValBytes != 2 {
		t.Errorf("val %v (%d bytes)", d.Val, d.ValBytes)
	}
	for _, c := range []struct {
		text, sep string
		frac      float64
	}{{"x", "", 0.1}, {"\n\n", "\n\n", 0.1}, {"a\n\nbcdef", "\n\n", 0.1}, {"a", "\n", 1}} {
		if _, err := NewDocuments([]byte(c.text), ByteTokenizer{}, c.frac, c.sep); err == nil {
			t.Errorf("%q split at %q, fraction %g: no error", c.text, c.sep, c.frac)
		}
	}
}

// TestSampleMix: with longFrac 1 every row lies inside one long document;
// with 0 the draws are Sample's.
func TestSampleMix(t *testing.T) {
	text := "ab\n\n" + strings.Repeat("x", 40) + "\n\ncd\n\n" + strings.Repeat("y", 30) + "\n\nef\n\ngh"
	d, err := NewDocuments([]byte(text), ByteTokenizer{}, 0.03, "\n\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.DocStarts) != 5 || d.DocStarts[1] != 3 {
		t.Fatalf("document starts %v", d.DocStarts)
	}
	b := NewBatch(50, 16)
	if err := d.SampleMix(rand.New(rand.NewPCG(1, 2)), b, 1); err != nil {
		t.Fatal(err)
	}
	for row := 0; row < b.B; row++ {
		tg := b.Targets[row*16 : (row+1)*16]
		letter := tg[0]
		for i, id := range append(slices.Clone(b.Inputs[row*16+1:(row+1)*16]), tg...) {
			if id != letter || (id != 'x' && id != 'y') {
				t.Fatalf("row %d mixes documents (token %d): %v", row, i, b.Inputs[row*16:(row+1)*16])
			}
		}
	}
	b1, b2 := NewBatch(8, 16), NewBatch(8, 16)
	d.Sample(rand.New(rand.NewPCG(3, 4)), b1)
	d.SampleMix(rand.New(rand.NewPCG(3, 4)), b2, 0)
	if fmt.Sprint(b1.Starts) != fmt.Sprint(b2.Starts) {
		t.Fatalf("SampleMix with 0: starts %v, Sample %v", b2.Starts, b1.Starts)
	}
}
