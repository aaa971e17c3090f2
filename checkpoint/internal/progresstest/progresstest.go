// Package progresstest checks, in tests, the calls a checkpoint.Progress
// receives: each step's calls consecutive, from 0 up to one total.
package progresstest

import "testing"

// Call is one call of a checkpoint.Progress.
type Call struct {
	Step        string
	Done, Total int64
}

// Check checks the calls of each step in steps: consecutive, the first
// at 0, done never decreasing, one total, the last at the total; and
// returns each step's calls.
func Check(t testing.TB, calls []Call, steps ...string) map[string][]Call {
	t.Helper()
	by := map[string][]Call{}
	i := 0
	for _, s := range steps {
		for i < len(calls) && calls[i].Step == s {
			by[s] = append(by[s], calls[i])
			i++
		}
		cs := by[s]
		if len(cs) == 0 {
			t.Fatalf("no %q calls in %v", s, calls)
		}
		if cs[0].Done != 0 {
			t.Errorf("%s: first call at %d, want 0", s, cs[0].Done)
		}
		for j, c := range cs {
			if c.Total != cs[0].Total {
				t.Errorf("%s: call %d has total %d, the first %d", s, j, c.Total, cs[0].Total)
			}
			if j > 0 && c.Done < cs[j-1].Done {
				t.Errorf("%s: call %d went back from %d to %d", s, j, cs[j-1].Done, c.Done)
			}
		}
		if last := cs[len(cs)-1]; last.Done != last.Total {
			t.Errorf("%s: last call at %d of %d", s, last.Done, last.Total)
		}
	}
	if i != len(calls) {
		t.Errorf("calls after the steps %v: %v", steps, calls[i:])
	}
	return by
}
