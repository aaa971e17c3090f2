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
		checkParsedList(t, "ParseLengths", ParseLengths, tc.in, tc.want, tc.err)
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
		checkParsedList(t, "ParseDepths", ParseDepths, tc.in, tc.want, tc.err)
	}
}

// checkParsedList checks parse(in): an error containing wantErr when that
// is not empty, else the list want.
func checkParsedList[T comparable](t *testing.T, name string, parse func(string) ([]T, error), in string, want []T, wantErr string) {
	t.Helper()
	got, err := parse(in)
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s(%q) error %v, want %q", name, in, err, wantErr)
		}
		return
	}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("%s(%q) = %v, %v; want %v", name, in, got, err, want)
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
