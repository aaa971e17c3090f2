// Package periodic calls a function on its own goroutine at a fixed period
// until it is stopped: a progress line's redraw, a stream's keep-alive pings.
package periodic

import (
	"sync"
	"time"
)

// Run calls f(0) once first has passed, then f(1), f(2), … every period,
// all on one goroutine, until stop is called. stop waits for a call in
// progress to return, f is not called after it, and stop may be called more
// than once. first and period must be positive.
func Run(first, period time.Duration, f func(n int)) (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		wait := time.NewTimer(first)
		defer wait.Stop()
		select {
		case <-done:
			return
		case <-wait.C:
		}
		f(0)
		t := time.NewTicker(period)
		defer t.Stop()
		for n := 1; ; n++ {
			select {
			case <-done:
				return
			case <-t.C:
				f(n)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-stopped }) }
}
