package modelflags

import (
	"strings"
	"testing"
)

func TestCtxLimit(t *testing.T) {
	for _, tc := range []struct {
		want   int
		given  bool
		got    int
		errSub string
	}{
		{8192, false, 4096, ""},
		{1000, false, 1000, ""},
		{1000, true, 1000, ""},
		{4096, true, 4096, ""},
		{8192, true, 0, "--ctx 8192 exceeds the model's max_position_embeddings 4096"},
	} {
		got, err := CtxLimit(tc.want, tc.given, 4096)
		if got != tc.got || (err == nil) != (tc.errSub == "") || err != nil && !strings.Contains(err.Error(), tc.errSub) {
			t.Errorf("CtxLimit(%d, %v, 4096) = %d, %v; want %d, %q", tc.want, tc.given, got, err, tc.got, tc.errSub)
		}
	}
}
