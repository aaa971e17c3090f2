package evals

import (
	"math"
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// TestPerPositionNLL checks the curve against the model run directly: each
// window is BOS + the next ctx-1 tokens, its loss at position p is that of
// the window's token p given those before, averaged over windows, whatever
// the forward batch; the cumulative curve is the running mean.
func TestPerPositionNLL(t *testing.T) {
	m := tinymodel.ByteModel(t, tensor.F32, 3)
	tok := tinymodel.ByteTokenizer(t)
	tg := NewTarget(m, tok)
	ids := tok.Encode(strings.Repeat("To be, or not to be, that is the question. ", 3), false)
	const ctx = 24
	want := make([]float64, ctx)
	windows := len(ids) / (ctx - 1)
	for w := 0; w < windows; w++ {
		win := append([]int32{tok.BOS()}, ids[w*(ctx-1):(w+1)*(ctx-1)]...)
		logits, err := m.Forward(m.NewCache(ctx), win, llama4.ForwardOptions{AllLogits: true})
		if err != nil {
			t.Fatal(err)
		}
		V := m.Config.VocabSize
		for p := 1; p < ctx; p++ {
			row := logits[(p-1)*V : p*V]
			lse := 0.0
			for _, v := range row {
				lse += math.Exp(float64(v))
			}
			want[p] += (math.Log(lse) - float64(row[win[p]])) / float64(windows)
		}
	}
	for _, batch := range []int{ctx, 5, 1} {
		r, err := PerPositionNLL(tg, ids, PPLOptions{Ctx: ctx, Batch: batch, KVType: tensor.F32})
		if err != nil {
			t.Fatal(err)
		}
		if r.Windows != windows || r.Tokens != windows*(ctx-1) || !math.IsNaN(r.MeanNLL[0]) {
			t.Fatalf("batch %d: %d windows of %d tokens, [0] = %g", batch, r.Windows, r.Tokens, r.MeanNLL[0])
		}
		sum := 0.0
		for p := 1; p < ctx; p++ {
			if math.Abs(r.MeanNLL[p]-want[p]) > 1e-4 {
				t.Errorf("batch %d: position %d NLL %g, want %g", batch, p, r.MeanNLL[p], want[p])
			}
			sum += r.MeanNLL[p]
			if math.Abs(r.CumNLL[p]-sum/float64(p)) > 1e-12 {
				t.Errorf("batch %d: cumulative %d is %g, want %g", batch, p, r.CumNLL[p], sum/float64(p))
			}
		}
		if r.Mean() != r.CumNLL[ctx-1] {
			t.Errorf("Mean %g", r.Mean())
		}
	}
	if r, err := PerPositionNLL(tg, ids, PPLOptions{Ctx: ctx, Batch: 8, Windows: 2, KVType: tensor.F32}); err != nil || r.Windows != 2 {
		t.Errorf("--windows 2: %v windows, %v", r, err)
	}
}

// TestPerPositionNLLErrors: no data, too little for one window, a context
// beyond the model, an id outside the vocabulary.
func TestPerPositionNLLErrors(t *testing.T) {
	m := tinymodel.ByteModel(t, tensor.F32, 3)
	tg := NewTarget(m, tinymodel.ByteTokenizer(t))
	o := PPLOptions{Ctx: 16, Batch: 8, KVType: tensor.F32}
	ids := make([]int32, 40)
	for i := range ids {
		ids[i] = int32('a' + i%26)
	}
	for _, tc := range []struct {
		ids  []int32
		edit func(*PPLOptions)
		want string
	}{
		{nil, nil, "no data tokens"},
		{ids[:10], nil, "10 data tokens are fewer than the 15 one window of 16 needs"},
		{ids, func(o *PPLOptions) { o.Ctx = m.Config.MaxPositions + 1 }, "exceeds the model's"},
		{ids, func(o *PPLOptions) { o.Ctx = 1 }, "context 1 must be at least 2"},
		{append([]int32{99999}, ids...), nil, "data token 99999 (at index 0) is outside the vocabulary"},
	} {
		oo := o
		if tc.edit != nil {
			tc.edit(&oo)
		}
		if _, err := PerPositionNLL(tg, tc.ids, oo); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}
