package llama4

import "testing"

func TestFormatCount(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1K"}, {689_400, "689K"}, {5_900_000, "5.9M"}, {566_000_000, "566.0M"},
		{17_200_000_000, "17.2B"},
	} {
		if got := FormatCount(tc.n); got != tc.want {
			t.Errorf("FormatCount(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
