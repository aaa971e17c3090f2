package kernels

import (
	"sync"

	"github.com/herd-llm/herd/tensor"
)

// Product is one matrix product of a MatMuls call: Dst = X·Wᵀ for the call's
// n activation rows, X [n, W.Cols] and Dst [n, W.Rows], row-major, as in
// MatMul.
type Product struct {
	Dst, X []float32
	W      *tensor.Mat
}

// MatMuls computes each product exactly as MatMul(p.Dst, p.X, n, p.W) would,
// bit for bit. No product's Dst may alias another's Dst or X.
//
// For small batches (n ≤ fuseMaxN, decode and batched decode) the products
// run as one job of the worker pool: their weight rows, taken in order, are
// cut into runs of about equal bytes, one run per thread where the rows
// stream best that way (K-family weights at n = 1) and about four otherwise.
// A chain of matrix-vector products that share an input — decode's Q, K and
// V projections, an FFN's gate and up — then costs one hand-off to the pool
// instead of one each, and no thread waits for the others between them.
// Larger batches run the products one after another, each as MatMul does.
func MatMuls(n int, ps ...Product) {
	for len(ps) > 0 {
		k := min(len(ps), maxFused)
		matMuls(n, ps[:k])
		ps = ps[k:]
	}
}

// maxFused is the most products one job takes.
const maxFused = 8

// fuseMaxN is the largest batch whose products MatMuls runs as one job.
const fuseMaxN = 16

// fuseRowAlign is the row granularity of the runs of a fused job (a multiple
// of the row blocks of the quantized kernels, kRowBlk and q8RowBlk).
const fuseRowAlign = 32

func matMuls(n int, ps []Product) {
	f := fusedJobs.Get().(*fused)
	defer func() {
		for _, p := range f.ps[:f.np] {
			p.release()
		}
		*f = fused{}
		fusedJobs.Put(f)
	}()
	var total int64 // multiply-adds
	contiguous := n == 1
	for _, p := range ps {
		pr := prepare(p.Dst, p.X, n, p.W)
		if pr == nil {
			continue
		}
		w := pr.weights()
		f.ps[f.np] = pr
		f.rows[f.np] = w.Rows
		f.off[f.np+1] = f.off[f.np] + int64(w.Rows)*int64(w.RowBytes())
		f.np++
		total += int64(n) * int64(w.Rows) * int64(w.Cols)
		if q, ok := pr.(*qmm); !ok || !q.kfam {
			contiguous = false
		}
	}
	nt := Threads()
	switch {
	case f.np == 0:
	case n > fuseMaxN:
		for _, p := range f.ps[:f.np] {
			p.multiply(nt)
		}
	case nt == 1 || total < parallelMinMACs:
		for i, p := range f.ps[:f.np] {
			p.rows(0, f.rows[i])
		}
	default:
		f.ntasks = 4 * nt
		if contiguous {
			f.ntasks = nt
		}
		parallel(f.ntasks, nt, f)
	}
}

// fused is one job of MatMuls: np prepared products whose rows, in order,
// task i covers from cut(i) to cut(i+1).
type fused struct {
	ps     [maxFused]product
	rows   [maxFused]int
	off    [maxFused + 1]int64 // weight bytes before each product
	np     int
	ntasks int
}

var fusedJobs = sync.Pool{New: func() any { return new(fused) }}

// cut returns where task i starts: product p, row r (r may equal the
// product's row count, which is the start of product p+1). Cuts are
// monotonic, so the tasks cover every row exactly once.
func (f *fused) cut(i int) (p, r int) {
	if i >= f.ntasks {
		return f.np - 1, f.rows[f.np-1]
	}
	b := f.off[f.np] * int64(i) / int64(f.ntasks)
	for p < f.np-1 && b >= f.off[p+1] {
		p++
	}
	rb := (f.off[p+1] - f.off[p]) / int64(f.rows[p])
	const g = fuseRowAlign
	r = int((b-f.off[p]+rb*g/2)/rb) / g * g
	return p, min(r, f.rows[p])
}

func (f *fused) runTask(i int) {
	p0, r0 := f.cut(i)
	p1, r1 := f.cut(i + 1)
	for p := p0; p <= p1; p++ {
		a, b := 0, f.rows[p]
		if p == p0 {
			a = r0
		}
		if p == p1 {
			b = r1
		}
		if a < b {
			f.ps[p].rows(a, b)
		}
	}
}
