package dataset

import "testing"

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
