package cluster

import (
	"fmt"
	"slices"
	"testing"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// TestMicroBatches: a batch is cut into consecutive, non-empty groups of
// whole sequences with about the same number of tokens.
func TestMicroBatches(t *testing.T) {
	cases := []struct {
		lens []int
		n    int
		want []span
	}{
		{[]int{1}, 3, []span{{0, 1}}},
		{[]int{1, 1, 1, 1}, 2, []span{{0, 2}, {2, 4}}},
		{[]int{1, 1, 1, 1}, 3, []span{{0, 2}, {2, 3}, {3, 4}}},
		{[]int{1, 1, 1}, 0, []span{{0, 3}}},
		{[]int{1, 1, 1}, 1, []span{{0, 3}}},
		{[]int{1, 1, 1}, 5, []span{{0, 1}, {1, 2}, {2, 3}}},
		{[]int{100, 1, 1}, 2, []span{{0, 1}, {1, 3}}},
		{[]int{1, 1, 100}, 2, []span{{0, 2}, {2, 3}}},
		{[]int{1, 1, 100}, 3, []span{{0, 1}, {1, 2}, {2, 3}}},
		{[]int{20, 7}, 3, []span{{0, 1}, {1, 2}}},
	}
	for _, tc := range cases {
		seqs := make([]llama4.Seq, len(tc.lens))
		for i, n := range tc.lens {
			seqs[i].IDs = make([]int32, n)
		}
		if got := microBatches(seqs, tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("lengths %v in %d: %v, want %v", tc.lens, tc.n, got, tc.want)
		}
	}
}

// TestMicroBatchesBitIdentical: four sequences decoded together, cut into
// 1 to 4 micro-batches over 2 and 3 stages, give one process's logits bit
// for bit (prefill of uneven lengths, then batched decode steps in which
// some sequences sit out).
func TestMicroBatchesBitIdentical(t *testing.T) {
	steps := []step{
		{ids(20, 3), ids(7, 11), ids(3, 17), ids(12, 23)},
		{{5}, {9}, {13}, {21}},
		{{17}, nil, {4}, {8}},
		{ids(5, 50), {42}, nil, {43}},
	}
	run := func(f forwarder) []float32 { return runSteps(t, f, tensor.F32, steps) }
	auth := testAuth(t, testSecret)
	leader := loadTiny(t, "")
	want := run(leader)
	w1 := startWorker(t, loadTiny(t, ""), auth, "127.0.0.1:0")
	w2 := startWorker(t, loadTiny(t, ""), auth, "127.0.0.1:0")
	for _, counts := range [][]int{{2, 2}, {0, 4}, {1, 2, 1}} {
		ws := []*testWorker{w1, w2}[:len(counts)-1]
		for mb := 1; mb <= 4; mb++ {
			name := fmt.Sprintf("split=%v micro-batches=%d", counts, mb)
			o := testOptions(addrs(ws), auth, tensor.F32, counts)
			o.MicroBatches = mb
			p, err := New(leader, o)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			sameBits(t, name, want, run(p))
			st := p.Stats()
			// steps of 4, 4, 3, 3 sequences
			wantMB := int64(2*min(mb, 4) + 2*min(mb, 3))
			if st.Calls != int64(len(steps)) || st.MicroBatches != wantMB {
				t.Errorf("%s: %d calls in %d micro-batches, want %d in %d", name, st.Calls, st.MicroBatches, len(steps), wantMB)
			}
			for s := 1; s < len(counts); s++ {
				if n := st.StageSent[s]; n == 0 {
					t.Errorf("%s: stage %d sent %d bytes", name, s, n)
				}
			}
			p.Close()
		}
	}
}

// TestMicroBatchCount: by default a pass is cut into one micro-batch per
// stage only while each gets at least minMicroTokens tokens (a decode
// step of a few sequences stays whole); the option overrides it.
func TestMicroBatchCount(t *testing.T) {
	for _, tc := range []struct {
		workers, option, tokens, want int
	}{
		{2, 0, 4, 1}, {2, 0, 31, 1}, {2, 0, 32, 2}, {2, 0, 48, 3}, {2, 0, 4096, 3},
		{1, 0, 4096, 2}, {0, 0, 4096, 1}, {2, 1, 4096, 1}, {2, 4, 4, 4},
	} {
		p := &Pipeline{cl: make([]*client, tc.workers), o: Options{MicroBatches: tc.option}}
		if got := p.microBatchCount(tc.tokens); got != tc.want {
			t.Errorf("%d workers, option %d, %d tokens: %d micro-batches, want %d", tc.workers, tc.option, tc.tokens, got, tc.want)
		}
	}
}
