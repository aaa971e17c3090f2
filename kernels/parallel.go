package kernels

// ParallelFor calls fn(lo, hi) for the blocks [b·grain, min((b+1)·grain, n))
// covering [0, n), in parallel on the worker pool with up to Threads()
// goroutines, the caller's included, and returns when all have finished.
// grain <= 0 means ⌈n/Threads()⌉, one block per thread. The blocks are fixed
// by n and grain alone, so fn may use lo/grain as a block index (for
// per-block scratch); each index is handled by exactly one call, which keeps
// results independent of the thread count when fn writes disjoint outputs.
//
// It is safe for concurrent callers, and fn may itself call ParallelFor or a
// MatMul: a nested call's caller works on its own job, so progress never
// waits on a busy helper.
func ParallelFor(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	nt := Threads()
	if grain <= 0 {
		grain = (n + nt - 1) / nt
	}
	nb := (n + grain - 1) / grain
	if nb <= 1 || nt <= 1 {
		for lo := 0; lo < n; lo += grain {
			fn(lo, min(lo+grain, n))
		}
		return
	}
	parallel(nb, nt, &rangeTask{n: n, grain: grain, fn: fn})
}

// rangeTask adapts a ParallelFor body to the pool's task.
type rangeTask struct {
	n, grain int
	fn       func(lo, hi int)
}

func (t *rangeTask) runTask(b int) {
	lo := b * t.grain
	t.fn(lo, min(lo+t.grain, t.n))
}
