package periodic

import (
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// TestRun: calls come in order from 0, none before first has passed or
// after stop returns, and stop may be called twice.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, period time.Duration
		wantCalls     int // wait for this many calls before stopping
		maxCalls      int // at most this many calls by then
	}{
		{"stopped before the first call", time.Hour, time.Millisecond, 0, 0},
		{"first call only", time.Millisecond, time.Hour, 1, 1},
		{"several calls", time.Millisecond, time.Millisecond, 4, 1 << 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			var calls atomic.Int32
			var stopped atomic.Bool
			stop := Run(tc.first, tc.period, func(n int) {
				if stopped.Load() {
					t.Errorf("call %d after stop returned", n)
				}
				got = append(got, n) // f runs on one goroutine; read after stop
				calls.Add(1)
			})
			deadline := time.Now().Add(10 * time.Second)
			for int(calls.Load()) < tc.wantCalls {
				if time.Now().After(deadline) {
					t.Fatalf("%d calls after 10 s, want %d", calls.Load(), tc.wantCalls)
				}
				time.Sleep(time.Millisecond)
			}
			stop()
			stopped.Store(true)
			stop()
			if len(got) < tc.wantCalls || len(got) > tc.maxCalls {
				t.Fatalf("calls %v, want %d to %d", got, tc.wantCalls, tc.maxCalls)
			}
			if want := seq(len(got)); !slices.Equal(got, want) {
				t.Fatalf("calls %v, want %v", got, want)
			}
			time.Sleep(5 * time.Millisecond)
			if int(calls.Load()) != len(got) {
				t.Fatalf("%d calls after stop", int(calls.Load())-len(got))
			}
		})
	}
}

// seq is 0, 1, …, n−1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
