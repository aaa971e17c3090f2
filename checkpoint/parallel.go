package checkpoint

import (
	"runtime"
	"sync"
)

// parallel runs fn(0..n-1) on up to GOMAXPROCS goroutines and returns the
// error of the lowest index that failed. (kernels.ParallelFor will replace
// it.)
func parallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
