package evals

import (
	"slices"
	"strings"
	"testing"
)

func TestParseLengths(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		err  string
	}{
		{"512,1k,2k", []int{512, 1024, 2048}, ""},
		{" 64, 0.5k ,128K", []int{64, 512, 131072}, ""},
		{"1k,1024", nil, "twice"},
		{"0", nil, `"0" is not a positive`},
		{"-5", nil, `"-5"`},
		{"1.5", nil, `"1.5"`},
		{"abc", nil, `"abc"`},
		{"", nil, "no lengths"},
	} {
		got, err := ParseLengths(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseLengths(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseLengths(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for n, want := range map[int]string{512: "512", 1024: "1k", 131072: "128k", 1536: "1536", 3072: "3k"} {
		if got := FormatLength(n); got != want {
			t.Errorf("FormatLength(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestParseDepths(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []float64
		err  string
	}{
		{"0,0.25,0.5,0.75,1", []float64{0, 0.25, 0.5, 0.75, 1}, ""},
		{"1, 0", []float64{1, 0}, ""},
		{"1.5", nil, "depth 1.5 is outside [0, 1]"},
		{"-0.1", nil, "depth -0.1 is outside [0, 1]"},
		{"NaN", nil, "outside [0, 1]"},
		{"half", nil, `depth "half" is not a number`},
		{"0.5,0.50", nil, "twice"},
		{",", nil, "no depths"},
	} {
		got, err := ParseDepths(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseDepths(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseDepths(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseForm(t *testing.T) {
	for _, f := range Forms {
		if got, err := ParseForm(string(f)); got != f || err != nil {
			t.Errorf("ParseForm(%q) = %q, %v", f, got, err)
		}
	}
	if _, err := ParseForm("haystack"); err == nil || !strings.Contains(err.Error(), "needle, kv, ids") {
		t.Errorf("ParseForm(haystack) error %v", err)
	}
}
