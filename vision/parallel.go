package vision

import (
	"sync"

	"github.com/herd-llm/herd/kernels"
)

// parallelRows calls f on contiguous row ranges covering [0, n), spread over
// up to kernels.Threads() goroutines (the caller included). Each row is
// handled by exactly one call, so results do not depend on the split.
func parallelRows(n int, f func(lo, hi int)) {
	nt := min(kernels.Threads(), n)
	if nt <= 1 || n < 64 {
		f(0, n)
		return
	}
	per := (n + nt - 1) / nt
	var wg sync.WaitGroup
	for lo := per; lo < n; lo += per {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, min(lo+per, n))
		}()
	}
	f(0, min(per, n))
	wg.Wait()
}
