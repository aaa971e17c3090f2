// Package wanterr checks a table test case's error against the text the
// case wants in it, for the table tests whose cases mix successes and
// failures.
package wanterr

import (
	"strings"
	"testing"
)

// Case fails tb unless err fits want: nil when want is empty, otherwise an
// error whose message contains want. what names the case in the failure
// (for example `Parse("x")`). It reports whether the case is over: an error
// was wanted, or one came that was not; the caller then goes on to the next
// case, and otherwise checks the case's results.
func Case(tb testing.TB, what string, err error, want string) bool {
	tb.Helper()
	if want != "" {
		if err == nil || !strings.Contains(err.Error(), want) {
			tb.Errorf("%s: error %v, want one containing %q", what, err, want)
		}
		return true
	}
	if err != nil {
		tb.Errorf("%s: %v", what, err)
		return true
	}
	return false
}
