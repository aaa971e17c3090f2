package wanterr

import (
	"errors"
	"testing"
)

// recorder counts the failures Case reports.
type recorder struct {
	testing.TB
	failed int
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed++ }

func TestCase(t *testing.T) {
	boom := errors.New("boom: bad value 3")
	for _, tc := range []struct {
		err        error
		want       string
		over, fail bool
	}{
		{nil, "", false, false},
		{boom, "", true, true},
		{boom, "bad value", true, false},
		{boom, "other", true, true},
		{nil, "bad value", true, true},
	} {
		r := &recorder{TB: t}
		over := Case(r, "case", tc.err, tc.want)
		if over != tc.over || (r.failed > 0) != tc.fail {
			t.Errorf("Case(%v, %q) = %v with %d failures, want %v, failing %v", tc.err, tc.want, over, r.failed, tc.over, tc.fail)
		}
	}
}
