package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDocumentMaskMatchesSeparateRuns: with the document mask on, the
// logits of documents packed into one row equal those of each document run
// in a row of its own (positions from 0), in float64 and float32, on a
// model with chunked RoPE layers (chunk 4, so chunks restart inside the
// row) and a NoPE layer with temperature tuning.
func TestDocumentMaskMatchesSeparateRuns(t *testing.T) {
	c, p64 := microParams(t, ``, 50)
	const bos = 1
	docs := [][]int32{{bos, 5, 9, 4, 7, 12, 3}, {bos, 8, 8, 6, 10}, {bos, 11}}
	var packed []int32
	for _, d := range docs {
		packed = append(packed, d...)
	}
	V := c.VocabSize
	p32, err := NewParams[float32](c)
	if err != nil {
		t.Fatal(err)
	}
	for i, tn := range p64.Tensors {
		for j, v := range tn.Data {
			p32.Tensors[i].Data[j] = float32(v)
		}
	}
	for _, tc := range []struct {
		name string
		run  func(ids []int32, mask bool) []float64
		tol  float64
	}{
		{"float64", func(ids []int32, mask bool) []float64 { return logitsOf(t, p64, ids, mask, bos) }, 1e-12},
		{"float32", func(ids []int32, mask bool) []float64 { return logitsOf(t, p32, ids, mask, bos) }, 2e-5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.run(packed, true)
			off := 0
			for di, d := range docs {
				want := tc.run(d, false)
				for i, w := range want {
					if g := got[off*V+i]; math.Abs(g-w) > tc.tol*math.Max(1, math.Abs(w)) {
						t.Fatalf("document %d, position %d, logit %d: packed %v, alone %v", di, i/V, i%V, g, w)
					}
				}
				off += len(d)
			}
			// Without the mask the later documents see the earlier ones.
			un := tc.run(packed, false)
			if math.Abs(un[len(docs[0])*V+3]-got[len(docs[0])*V+3]) < 1e-9 {
				t.Fatal("the unmasked row gives the same logits as the masked one")
			}
		})
	}
}

func logitsOf[F Float](t *testing.T, p *Params[F], ids []int32, mask bool, bos int32) []float64 {
	t.Helper()
	ws, err := NewWorkspace[F](p.Config, 1, len(ids))
	if err != nil {
		t.Fatal(err)
	}
	if mask {
		ws.SetDocumentMask(bos)
	}
	lg, err := ws.Forward(p, ids)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(lg))
	for i, v := range lg {
		out[i] = float64(v)
	}
	return out
}

// TestFiniteDifferencesDocumentMask checks every parameter's gradient with
// packed documents (the mask's restarts of positions, chunks and the
// temperature scale) against central differences.
func TestFiniteDifferencesDocumentMask(t *testing.T) {
	c, p := microParams(t, ``, 51)
	b := microBatch(c, 2, 12, 52)
	for _, n := range []int{0, 3, 4, 9, 12, 17, 18} { // documents of 3, 1, 5, 3 / 5, 1, 6 tokens
		b.Inputs[n] = 1
	}
	ws := newWorkspace(t, p, b)
	ws.SetDocumentMask(1)
	g, _, _ := backprop(t, ws, p, b)
	if gap := minRouterGap(ws); gap < 1e-3 {
		t.Fatalf("router gap %.3g too small for finite differences; pick another seed", gap)
	}
	if ws.docs.Start[4] != 4 || ws.docs.End[5] != 9 || ws.docs.Start[12+7] != 6 {
		t.Fatalf("documents: start %v end %v", ws.docs.Start, ws.docs.End)
	}
	worst := checkFD(t, p, g, b, c.Hidden, rand.New(rand.NewPCG(5, 3)), func() float64 { return meanLoss(t, ws, p, b) })
	t.Logf("worst relative error %.3g", worst)
}
