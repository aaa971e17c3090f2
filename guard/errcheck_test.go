package guard

import (
	"strings"
	"testing"
)

// wantErr fails the test unless err fits want: nil when want is empty,
// otherwise an error whose message contains want. It reports whether an
// error was wanted, in which case the caller's test case ends there.
func wantErr(t *testing.T, err error, want string) bool {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatal(err)
		}
		return false
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
	return true
}
