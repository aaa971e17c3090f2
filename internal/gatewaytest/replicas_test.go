package gatewaytest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/kvevents"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/server"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/tokenizer"
)

// testBlock is the replicas' prefix-cache block size, in tokens.
const testBlock = 16

// replica is one herd replica on loopback: an engine with a prefix cache,
// server.New's handler, and a KV-event publisher.
type replica struct {
	name     string
	ts       *httptest.Server
	pub      *kvevents.Publisher
	cancel   context.CancelFunc
	done     chan struct{}
	killOnce sync.Once
}

// paced slows a model's steps, so streams last long enough to be cut.
type paced struct {
	*llama4.Model
	step time.Duration
}

func (p paced) ForwardBatch(seqs []llama4.Seq, hidden func(int, []float32)) ([][]float32, error) {
	time.Sleep(p.step)
	return p.Model.ForwardBatch(seqs, hidden)
}

// startReplica starts a replica whose forward steps take at least step.
func startReplica(t *testing.T, name string, format kvevents.Format, step time.Duration) *replica {
	t.Helper()
	m := tinymodel.ByteModel(t, tensor.F32, 11) // same weights on every replica
	eng, err := engine.New(paced{m, step}, engine.Options{Parallel: 2, Ctx: 512, KVType: tensor.F32, PrefillChunk: 64, QueueSize: 8,
		BlockSize: testBlock, PrefixCacheBytes: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kvevents.New(kvevents.Options{Endpoint: "tcp://127.0.0.1:0", Pod: name, Model: "tiny", Format: format})
	if err != nil {
		t.Fatal(err)
	}
	eng.SetBlockObserver(pub)
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{name: name, pub: pub, cancel: cancel, done: make(chan struct{})}
	go func() { eng.Run(ctx); close(r.done) }()
	r.ts = httptest.NewServer(server.New(m.Config, tinymodel.ByteTokenizer(t), eng, server.Options{ModelName: "tiny"}).Handler())
	t.Cleanup(r.kill)
	return r
}

func (r *replica) pod() Pod {
	return Pod{Name: r.name, URL: r.ts.URL, Events: "tcp://" + r.pub.Addr().String()}
}

// kill stops the replica as a crash would: its connections drop mid-answer,
// its listener, engine and event sockets close, and no AllBlocksCleared is sent.
func (r *replica) kill() {
	r.killOnce.Do(func() {
		r.ts.CloseClientConnections()
		r.ts.Close()
		r.cancel()
		<-r.done
		r.pub.Close()
	})
}

// cluster starts n replicas (the second publishing vLLM's map layout, the
// others the array layout; forward steps of at least step) and a router
// over them, served on loopback.
func cluster(t *testing.T, n int, step time.Duration) ([]*replica, *Router, *httptest.Server, *tokenizer.Tokenizer) {
	t.Helper()
	tok := tinymodel.ByteTokenizer(t)
	rt, err := New(Options{Tokenize: func(s string) ([]int32, error) {
		ids := tok.Encode(s, true)
		if len(ids) == 0 || ids[0] != tok.BOS() {
			ids = append([]int32{tok.BOS()}, ids...)
		}
		return ids, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	var reps []*replica
	for i := range n {
		f := kvevents.Arrays
		if i == 1 {
			f = kvevents.Maps
		}
		rep := startReplica(t, fmt.Sprintf("pod-%c", 'a'+i), f, step)
		if err := rt.Add(rep.pod()); err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
	}
	front := httptest.NewServer(rt)
	t.Cleanup(front.Close)
	return reps, rt, front, tok
}

// complete sends a non-streaming completion through the router and
// returns the pod that answered and the answer's text.
func complete(t *testing.T, url, prompt string, maxTokens int) (string, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"prompt": prompt, "max_tokens": maxTokens, "temperature": 0})
	resp, err := http.Post(url+"/v1/completions", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("completion of %q: %d %s", prompt, resp.StatusCode, b)
	}
	var out struct {
		Choices []struct{ Text string } `json:"choices"`
	}
	if err := json.Unmarshal(b, &out); err != nil || len(out.Choices) != 1 {
		t.Fatalf("completion answer %s: %v", b, err)
	}
	return resp.Header.Get("X-Routed-To"), out.Choices[0].Text
}

// hits scrapes a replica's vllm:prefix_cache_hits_total.
func hits(t *testing.T, rt *Router, rep *replica) float64 {
	t.Helper()
	m, err := rt.scrape(context.Background(), rep.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	return m.hits
}

// waitFor polls cond for up to 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func commonPrefix(a, b []int32) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// TestPrefixRouting: three conversations, each turn extending the last
// (its prompt, the answer and a new question), on three replicas. The
// first turns go to replicas holding nothing yet, the least used; every later turn goes to the
// replica its conversation started on, because only that replica's KV
// events stored its blocks, and that replica's prefix-cache hits rise by
// at least the blocks routed on while the others' do not move.
func TestPrefixRouting(t *testing.T) {
	reps, rt, front, _ := cluster(t, 3, 0)
	byName := map[string]*replica{}
	for _, r := range reps {
		byName[r.name] = r
	}
	convs := []string{
		"SYSTEM: You are a ship's navigator on a long voyage.",
		"SYSTEM: You keep the accounts of a small bakery in Lyon.",
		"SYSTEM: You answer questions about alpine flowers, briefly.",
	}
	questions := []string{"Where are we?", "What next, and why so?", "Tell me more about that."}
	home := make([]string, len(convs))
	prev := make([][]int32, len(convs))
	// Conversation after conversation: a router that weighed only load and
	// KV-cache use would send each second turn to another, emptier replica.
	for c := range convs {
		for turn, q := range questions {
			prompt := convs[c] + "\nUSER: " + q + "\nASSISTANT:"
			toks, _ := rt.o.Tokenize(prompt)
			want := 0 // blocks the conversation's replica must hold
			if turn > 0 {
				want = commonPrefix(prev[c], toks) / testBlock
				if want < 2 {
					t.Fatalf("conversation %d turn %d shares %d blocks with the last turn; the test needs longer prompts", c, turn, want)
				}
				waitFor(t, fmt.Sprintf("%s's events for conversation %d", home[c], c), func() bool { return rt.Held(home[c], toks) >= want })
			}
			before := map[string]float64{}
			for _, r := range reps {
				before[r.name] = hits(t, rt, r)
			}
			pod, answer := complete(t, front.URL, prompt, 12)
			d := rt.Decisions()[len(rt.Decisions())-1]
			if d.Pod != pod {
				t.Fatalf("router decided %s but %s answered", d.Pod, pod)
			}
			if turn == 0 {
				if want := reps[c].name; pod != want || len(d.Scores) != 0 {
					t.Errorf("conversation %d's first turn went to %s (scores %v, load %v), want the idle, least used %s", c, pod, d.Scores, d.Load, want)
				}
				home[c] = pod
			} else {
				if pod != home[c] || d.Matched < want {
					t.Errorf("conversation %d turn %d went to %s holding %d blocks (scores %v), want %s holding >= %d", c, turn, pod, d.Matched, d.Scores, home[c], want)
				}
				for other, held := range d.Scores {
					if other != home[c] && held >= d.Matched {
						t.Errorf("turn %d of conversation %d: %s also scores %d blocks", turn, c, other, held)
					}
				}
				r := byName[pod]
				waitFor(t, pod+"'s prefix-cache hits", func() bool { return hits(t, rt, r)-before[pod] >= float64(want*testBlock) })
				for _, o := range reps {
					if o.name != pod {
						if got := hits(t, rt, o); got != before[o.name] {
							t.Errorf("turn %d of conversation %d on %s: %s's prefix hits moved %g -> %g", turn, c, pod, o.name, before[o.name], got)
						}
					}
				}
			}
			convs[c] = prompt + answer
			prev[c] = toks
		}
	}
	for _, r := range reps {
		batches, gaps, bad, unplaced := rt.EventStats(r.name)
		if batches == 0 || gaps != 0 || bad != 0 || unplaced != 0 {
			t.Errorf("%s events: %d batches, %d gaps, %d undecodable, %d blocks unplaced", r.name, batches, gaps, bad, unplaced)
		}
	}
	for _, d := range rt.Decisions() {
		t.Logf("routed to %s: blocks held %v, load %v", d.Pod, d.Scores, d.Load)
	}
}
