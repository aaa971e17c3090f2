package checkpoint

import "github.com/herd-llm/herd/kernels"

// parallel runs fn(0..n-1) on the kernels' worker pool, one index a block,
// and returns the error of the lowest index that failed.
func parallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	kernels.ParallelFor(n, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			errs[i] = fn(i)
		}
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
