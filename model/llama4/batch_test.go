package llama4_test

import (
	"math"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/kvcache"
	. "github.com/herd-llm/herd/model/llama4"
)

// TestForwardBatchMatchesSingle runs three sequences at different positions
// (one crossing a chunk boundary, one decoding, one prefilling) in one batched
// pass and checks each against its own unbatched forward.
func TestForwardBatchMatchesSingle(t *testing.T) {
	m := loadTiny(t, "f32")
	in := testmodel.ReadTinyInputs(t)
	seq := in.Sequences["len100"]
	type job struct {
		prefix, next []int32
		all          bool
	}
	jobs := []job{
		{seq[:10], seq[10:25], true}, // crosses position 16
		{seq[:40], seq[40:41], false},
		{nil, seq[50:57], true},
	}
	V := m.Config.VocabSize
	var batch []Seq
	var want [][]float32
	for _, j := range jobs {
		solo, bat := m.NewCache(100), m.NewCache(100)
		for _, c := range []*kvcache.Cache{solo, bat} {
			if len(j.prefix) > 0 {
				if _, err := m.Forward(c, j.prefix, ForwardOptions{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		w, err := m.Forward(solo, j.next, ForwardOptions{AllLogits: j.all})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, w)
		batch = append(batch, Seq{Cache: bat, IDs: j.next, AllLogits: j.all})
	}
	got, err := m.ForwardBatch(batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range jobs {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("seq %d: %d logits, want %d", i, len(got[i])/V, len(want[i])/V)
		}
		if d, at := testmodel.MaxAbsDiff(got[i], want[i]); d > 1e-5 {
			t.Errorf("seq %d row %d: batched vs single max |Δ| = %g", i, at/V, d)
		}
		if batch[i].Cache.Len() != len(jobs[i].prefix)+len(jobs[i].next) {
			t.Errorf("seq %d: cache length %d", i, batch[i].Cache.Len())
		}
	}
	if _, err := m.ForwardBatch([]Seq{{Cache: batch[0].Cache, IDs: []int32{1}}, {Cache: batch[0].Cache, IDs: []int32{2}}}, nil); err == nil {
		t.Error("two sequences sharing a cache accepted")
	}
}

// TestForwardThreadsBitIdentical prefills 60 tokens with 1 and with 3
// worker threads: the rows a prefill splits among threads (norms, RoPE and
// temperature, SwiGLU, the matrix products) are computed row by row, so the
// logits must be equal to the bit.
func TestForwardThreadsBitIdentical(t *testing.T) {
	m := loadTiny(t, "f32")
	ids := testmodel.ReadTinyInputs(t).Sequences["len100"][:60]
	defer kernels.SetThreads(kernels.Threads())
	var logits [2][]float32
	for i, n := range []int{1, 3} {
		kernels.SetThreads(n)
		l, err := m.Forward(m.NewCache(64), ids, ForwardOptions{AllLogits: true})
		if err != nil {
			t.Fatal(err)
		}
		logits[i] = l
	}
	for i := range logits[0] {
		if math.Float32bits(logits[0][i]) != math.Float32bits(logits[1][i]) {
			t.Fatalf("logit %d: %g with 1 thread, %g with 3", i, logits[0][i], logits[1][i])
		}
	}
}
