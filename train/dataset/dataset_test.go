package dataset

import (
	"fmt"
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
