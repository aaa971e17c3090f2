package kernels

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestThreads(t *testing.T) {
	useThreads(t, 0, parallelMinMACs)
	if got, want := Threads(), runtime.GOMAXPROCS(0); got != want {
		t.Errorf("default Threads() = %d, want GOMAXPROCS %d", got, want)
	}
	SetThreads(5)
	if Threads() != 5 {
		t.Errorf("after SetThreads(5), Threads() = %d", Threads())
	}
	SetThreads(1 << 20)
	if Threads() != maxThreads {
		t.Errorf("SetThreads(huge) gave %d, want %d", Threads(), maxThreads)
	}
	SetThreads(-1)
	if got, want := Threads(), runtime.GOMAXPROCS(0); got != want {
		t.Errorf("SetThreads(-1) gave %d, want %d", got, want)
	}
}

// countTask records how often each index ran.
type countTask struct{ hits []atomic.Int32 }

func (c *countTask) runTask(i int) { c.hits[i].Add(1) }

// TestParallel checks that every task runs exactly once, for many task and
// thread counts, with several callers sharing the pool at once.
func TestParallel(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ntasks := range 40 {
				for _, nt := range []int{1, 2, 3, 8, 64} {
					c := &countTask{hits: make([]atomic.Int32, ntasks)}
					parallel(ntasks, nt, c)
					for i := range c.hits {
						if h := c.hits[i].Load(); h != 1 {
							t.Errorf("caller %d, %d tasks on %d threads: task %d ran %d times", g, ntasks, nt, i, h)
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestRowsPerTask(t *testing.T) {
	for _, rows := range []int{1, 11, 12, 13, 100, 1000, 5120, 16384} {
		for _, nt := range []int{2, 3, 4, 16} {
			per := rowsPerTask(rows, nt)
			if per <= 0 || per%12 != 0 {
				t.Errorf("rowsPerTask(%d, %d) = %d", rows, nt, per)
			}
			if tasks := (rows + per - 1) / per; rows >= 48*nt && tasks < 2*nt {
				t.Errorf("rowsPerTask(%d, %d) = %d gives only %d tasks", rows, nt, per, tasks)
			}
		}
	}
}

type nopTask struct{}

func (nopTask) runTask(int) {}

// BenchmarkParallelDispatch measures the pool's fixed cost per call.
func BenchmarkParallelDispatch(b *testing.B) {
	for _, nt := range []int{2, 4} {
		b.Run(fmt.Sprintf("threads=%d", nt), func(b *testing.B) {
			for b.Loop() {
				parallel(4*nt, nt, nopTask{})
			}
		})
	}
}

// spinTask busy-works about d per task.
type spinTask struct{ d time.Duration }

func (s spinTask) runTask(int) {
	for t0 := time.Now(); time.Since(t0) < s.d; {
	}
}

// BenchmarkParallelDecodeLike models a decode step: parallel calls of 8
// tasks of 10 µs separated by 20 µs of serial work. With 2 threads and
// helpers that join at once, a step takes 20 + 40 µs; a helper that joins
// late leaves the caller doing its tasks alone (up to 20 + 80 µs).
func BenchmarkParallelDecodeLike(b *testing.B) {
	for _, nt := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", nt), func(b *testing.B) {
			for b.Loop() {
				spinTask{20 * time.Microsecond}.runTask(0)
				parallel(8, nt, spinTask{10 * time.Microsecond})
			}
		})
	}
}
