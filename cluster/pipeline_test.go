package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// newPipeline connects a leader over lead to the workers with a fixed split.
func addrs(ws []*testWorker) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.addr)
	}
	return out
}

// TestPipelineBitIdentical: 2 and 3 processes give the logits of one
// process bit for bit, in F32 and in quantized types (each layer runs the
// same kernels on the same batch), through prefill and batched decode.
func TestPipelineBitIdentical(t *testing.T) {
	cases := []struct {
		quant  string
		kv     tensor.DType
		counts [][]int
	}{
		{"", tensor.F32, [][]int{{2, 2}, {0, 4}, {3, 1}, {1, 2, 1}, {0, 1, 3}, nil}},
		{"q8_0", tensor.F32, [][]int{{1, 3}, {1, 1, 2}}},
		{"q4_0", tensor.Q8_0, [][]int{{2, 1, 1}}},
	}
	auth := testAuth(t, testSecret)
	for _, tc := range cases {
		leader := loadTiny(t, tc.quant)
		want := runScript(t, leader, tc.kv)
		w1 := startWorker(t, loadTiny(t, tc.quant), auth, "127.0.0.1:0")
		w2 := startWorker(t, loadTiny(t, tc.quant), auth, "127.0.0.1:0")
		for _, counts := range tc.counts {
			name := fmt.Sprintf("quant=%q kv=%s split=%v", tc.quant, tc.kv, counts)
			ws := []*testWorker{w1, w2}
			if len(counts) == 2 {
				ws = ws[:1]
			}
			p, err := New(leader, testOptions(addrs(ws), auth, tc.kv, counts))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if counts == nil && len(p.Stages()) != 3 {
				t.Fatalf("%s: %d stages", name, len(p.Stages()))
			}
			got := runScript(t, p, tc.kv)
			sameBits(t, name, want, got)
			st := p.Stats()
			if st.Calls != int64(len(script)) || st.Sent == 0 || st.Recv == 0 {
				t.Errorf("%s: stats %+v", name, st)
			}
			p.Close()
		}
	}
}

// TestRefused: a worker with another secret, with different weights, or
// with another model is refused with an error that says so.
func TestRefused(t *testing.T) {
	auth := testAuth(t, testSecret)
	leader := loadTiny(t, "")
	other := startWorker(t, loadTiny(t, ""), testAuth(t, "another secret, also 16+ bytes"), "127.0.0.1:0")
	diff := startWorker(t, flipped(t, 3, 100), auth, "127.0.0.1:0")
	quant := startWorker(t, loadTiny(t, "q8_0"), auth, "127.0.0.1:0")
	bf16 := startWorker(t, testmodel.Load(t, testmodel.TinyWeights(t, "bf16"), checkpoint.LoadHF), auth, "127.0.0.1:0")
	cases := []struct {
		name string
		w    *testWorker
		want string
	}{
		{"secret", other, "different secrets"},
		{"weights", diff, "the weights of layers 2–3 differ"},
		{"quantized", quant, "the weights of layers 2–3 differ"},
		{"model", bf16, "loaded a different model"},
	}
	for _, tc := range cases {
		_, err := New(leader, testOptions([]string{tc.w.addr}, auth, tensor.F32, []int{2, 2}))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// The hash covers the stage's own layers: a copy whose layer 0 differs
	// may serve layers 2–3, not 0–3.
	w0 := startWorker(t, flipped(t, 0, 7), auth, "127.0.0.1:0")
	for _, tc := range []struct {
		counts []int
		ok     bool
	}{{[]int{2, 2}, true}, {[]int{0, 4}, false}} {
		_, err := New(leader, testOptions([]string{w0.addr}, auth, tensor.F32, tc.counts))
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), "layers 0–3 differ")) {
			t.Errorf("split %v with layer 0 changed: error %v, want ok=%v", tc.counts, err, tc.ok)
		}
	}
}

// TestWorkerDies: a worker that goes away makes the calls in flight fail
// with an error naming it, without hanging, and the leader keeps working
// once a worker is back on the address.
func TestWorkerDies(t *testing.T) {
	p, w, leader, auth := twoStages(t, []int{2, 2})
	want := runScript(t, leader, tensor.F32)
	c := prefilled(t, p)
	// The worker dies while it holds a call: the worker's lock keeps the
	// call in flight until its connections are closed.
	w.w.mu.Lock()
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := p.ForwardBatch(oneSeq(c, []int32{3}), nil)
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	w.srv.Close()
	var err error
	select {
	case err = <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("the call in flight did not fail within 15 s of its worker dying")
	}
	w.w.mu.Unlock()
	var we *WorkerError
	if !errors.As(err, &we) || we.Addr != w.addr || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("with the worker gone: error %v, want a WorkerError naming %s as unreachable", err, w.addr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the failing call took %v", d)
	}
	if c.Len() != 0 {
		t.Errorf("the failed sequence's cache holds %d positions, want it reset", c.Len())
	}
	if err := p.Ready(context.Background()); err == nil {
		t.Errorf("Ready with the worker gone: no error")
	}
	// A new worker process on the same address: Ready re-assigns it and
	// the leader computes what one process computes again.
	startWorker(t, loadTiny(t, ""), auth, w.addr)
	if err := p.Ready(context.Background()); err != nil {
		t.Fatalf("Ready after the worker returned: %v", err)
	}
	sameBits(t, "after the worker returned", want, runScript(t, p, tensor.F32))
}

// TestWorkerRestartLosesSequence: a sequence whose worker restarted between
// two calls fails with a clear error rather than running on a missing cache.
func TestWorkerRestartLosesSequence(t *testing.T) {
	p, w, _, auth := twoStages(t, []int{1, 3})
	c := prefilled(t, p)
	w.srv.Close()
	startWorker(t, loadTiny(t, ""), auth, w.addr)
	if err := p.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := p.ForwardBatch(oneSeq(c, []int32{3}), nil)
	if err == nil || !strings.Contains(err.Error(), "start the request again") {
		t.Fatalf("continuing a sequence the restarted worker lost: error %v", err)
	}
	c2, _ := p.NewCacheOf(64, tensor.F32)
	if _, err := p.ForwardBatch(oneSeq(c2, ids(5, 1)), nil); err != nil {
		t.Fatalf("a new sequence after the restart: %v", err)
	}
}

// TestRewind: a leader that goes back in a sequence (the engine's prefix
// reuse) rewinds the workers' caches the same way, and the logits stay
// those of one process.
func TestRewind(t *testing.T) {
	p, _, leader, _ := twoStages(t, []int{2, 2})
	run := func(f forwarder) []float32 {
		c, _ := f.NewCacheOf(64, tensor.F32)
		var all []float32
		for _, st := range []struct {
			rewind int // Rewind(n) before the step; -1: none
			ids    []int32
		}{{-1, ids(20, 1)}, {18, ids(3, 9)}, {10, ids(12, 4)}, {-1, []int32{8}}} {
			if st.rewind >= 0 {
				c.Rewind(st.rewind)
			}
			out, err := f.ForwardBatch([]llama4.Seq{{Cache: c, IDs: st.ids, AllLogits: true}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, out[0]...)
		}
		return all
	}
	sameBits(t, "rewound", run(leader), run(p))
}

// twoStages starts a worker and a leader over it with the given split.
func twoStages(t *testing.T, counts []int) (*Pipeline, *testWorker, *llama4.Model, *Auth) {
	t.Helper()
	auth := testAuth(t, testSecret)
	leader := loadTiny(t, "")
	w := startWorker(t, loadTiny(t, ""), auth, "127.0.0.1:0")
	p, err := New(leader, testOptions([]string{w.addr}, auth, tensor.F32, counts))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p, w, leader, auth
}

// prefilled returns a new sequence of p with 5 tokens run.
func prefilled(t *testing.T, p *Pipeline) *kvcache.Cache {
	t.Helper()
	c, _ := p.NewCacheOf(64, tensor.F32)
	if _, err := p.ForwardBatch(oneSeq(c, ids(5, 1)), nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// flipped is the tiny model with one bit of layer l's Q weight at byte i
// flipped (in a copy: the checkpoint stays as it is).
func flipped(t *testing.T, l, i int) *llama4.Model {
	m := loadTiny(t, "")
	q := *m.Weights.Layers[l].Q
	q.Data = append([]byte(nil), q.Data...)
	q.Data[i] ^= 1
	m.Weights.Layers[l].Q = &q
	return m
}
