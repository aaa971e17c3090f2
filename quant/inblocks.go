package quant

import "iter"

// inBlocks yields, for i = 0 … n−1, the i-th chunk of pn elements of p with
// the i-th chunk of qn elements of q: a row's groups of values with their
// encoded blocks, or the blocks of two encoded rows in step. The loops of
// every block format go through it; it inlines into them.
func inBlocks[P, Q any](p []P, pn int, q []Q, qn int, n int) iter.Seq2[[]P, []Q] {
	return func(yield func([]P, []Q) bool) {
		for i := range n {
			if !yield(p[i*pn:(i+1)*pn], q[i*qn:(i+1)*qn]) {
				return
			}
		}
	}
}
