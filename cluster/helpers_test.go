package cluster

import (
	"math"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

const testSecret = "correct horse battery staple 0123"

func testAuth(t testing.TB, secret string) *Auth {
	t.Helper()
	a, err := NewAuth(secret)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// loadTiny loads its own copy of the tiny golden model (as a separate host
// would), quantized to q when q is not "".
func loadTiny(t testing.TB, q string) *llama4.Model {
	t.Helper()
	m := testmodel.Load(t, testmodel.TinyWeights(t, "f32"), checkpoint.LoadHF)
	if q != "" {
		s, err := checkpoint.ParseScheme(q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := checkpoint.Quantize(m, s); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// testWorker is a worker serving on a loopback port.
type testWorker struct {
	w    *Worker
	srv  *http.Server
	addr string
}

// startWorker serves m on addr ("127.0.0.1:0" for any port).
func startWorker(t testing.TB, m *llama4.Model, auth *Auth, addr string) *testWorker {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	w := NewWorker(m, auth, t.Logf)
	w.avail = func() (int64, error) { return 1 << 30, nil }
	tw := &testWorker{w: w, srv: w.Serve(l), addr: l.Addr().String()}
	t.Cleanup(func() { tw.srv.Close() })
	return tw
}

// step is one forward call of a test script: tokens per sequence (nil: the
// sequence sits the step out).
type step [][]int32

// script prefills two sequences of 20 and 7 tokens (the first crosses the
// tiny model's 16-token chunk) in one batch, then decodes both together.
var script = []step{
	{ids(20, 3), ids(7, 11)},
	{{5}, {9}},
	{{17}, nil},
	{{40}, {41}},
	{ids(6, 50), {42}},
}

func ids(n, from int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = int32((from + 7*i) % 500)
	}
	return out
}

// forwarder is what a script runs on: *llama4.Model or *Pipeline.
type forwarder interface {
	ForwardBatch([]llama4.Seq, func(int, []float32)) ([][]float32, error)
	NewCacheOf(int, tensor.DType) (*kvcache.Cache, error)
}

// runScript runs the script and returns every logit it produced, in order
// (all positions' logits for the first sequence, the last for the others).
func runScript(t *testing.T, f forwarder, kv tensor.DType) []float32 {
	return runSteps(t, f, kv, script)
}

// runSteps runs steps over one cache per sequence of the first step and
// returns every logit, as runScript does.
func runSteps(t *testing.T, f forwarder, kv tensor.DType, steps []step) []float32 {
	t.Helper()
	caches := make([]*kvcache.Cache, len(steps[0]))
	for i := range caches {
		c, err := f.NewCacheOf(64, kv)
		if err != nil {
			t.Fatal(err)
		}
		caches[i] = c
	}
	var all []float32
	for si, st := range steps {
		var batch []llama4.Seq
		for i, toks := range st {
			if toks != nil {
				batch = append(batch, llama4.Seq{Cache: caches[i], IDs: toks, AllLogits: i == 0})
			}
		}
		out, err := f.ForwardBatch(batch, nil)
		if err != nil {
			t.Fatalf("step %d: %v", si, err)
		}
		for _, o := range out {
			all = append(all, o...)
		}
	}
	return all
}

// sameBits fails unless a and b are identical bit for bit.
func sameBits(t *testing.T, what string, a, b []float32) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d logits, want %d", what, len(b), len(a))
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("%s: logit %d is %v, one process gives %v (not bit-identical)", what, i, b[i], a[i])
		}
	}
}

func oneSeq(c *kvcache.Cache, ids []int32) []llama4.Seq {
	return []llama4.Seq{{Cache: c, IDs: ids}}
}

// testOptions are a pipeline's options over loopback workers: a 64-token
// context, a fixed split (nil: by memory), 1 GiB for the leader.
func testOptions(workers []string, auth *Auth, kv tensor.DType, counts []int) Options {
	return Options{Workers: workers, Auth: auth, Ctx: 64, Batch: 64, KV: kv, Counts: counts, Timeout: 20 * time.Second, LeaderAvail: 1 << 30}
}
