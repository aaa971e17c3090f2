package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// overlap counts forward passes in progress across models: cur now, peak
// the most seen at once.
type overlap struct{ cur, peak atomic.Int32 }

// enter counts a pass in, raising peak to the passes now in progress.
func (o *overlap) enter() {
	n := o.cur.Add(1)
	for p := o.peak.Load(); n > p && !o.peak.CompareAndSwap(p, n); p = o.peak.Load() {
	}
}

// leave counts a pass out.
func (o *overlap) leave() { o.cur.Add(-1) }

// mustOverlap repeats work until o has seen two passes at once, and fails
// t when it has not after 10 s: without a shared scheduler, passes overlap,
// which shows the counter sees overlaps.
func mustOverlap(t *testing.T, o *overlap, work func()) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); o.peak.Load() < 2 && time.Now().Before(deadline); {
		work()
	}
	if o.peak.Load() < 2 {
		t.Fatal("work without a shared scheduler never overlapped: the counter sees nothing")
	}
}

// whileGenerating runs work in a loop on each of workers goroutines, until
// it returns false or a generation of n tokens on e (queued first) ends,
// and checks that the generation gave its n tokens.
func whileGenerating(t *testing.T, e *Engine, n, workers int, work func() bool) {
	t.Helper()
	long := submit(t, e, context.Background(), n)
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if !work() {
					return
				}
			}
		}()
	}
	ids, fin := collect(t, long)
	close(done)
	wg.Wait()
	if len(ids) != n || fin.Finish != "length" {
		t.Fatalf("main generation: %d tokens, %+v", len(ids), fin)
	}
}

// counted is a model whose forward passes enter and leave o, each lasting
// at least pause; hold, when set, is called inside every pass.
type counted struct {
	Model
	o     *overlap
	pause time.Duration
	hold  func()
}

func (c *counted) ForwardBatch(seqs []llama4.Seq, hidden func(int, []float32)) ([][]float32, error) {
	c.o.enter()
	defer c.o.leave()
	if c.hold != nil {
		c.hold()
	}
	time.Sleep(c.pause)
	return c.Model.ForwardBatch(seqs, hidden)
}

// pair starts a main engine and an urgent guard engine on models counted
// by o, sharing s (nil: each its own).
func pair(t *testing.T, s *Scheduler, o *overlap) (main, guard *Engine) {
	t.Helper()
	opt := Options{Parallel: 2, Ctx: 128, KVType: tensor.F32, PrefillChunk: 16, QueueSize: 64, Scheduler: s}
	main = start(t, &counted{Model: tinymodel.ByteModel(t, tensor.F32, 1), o: o, pause: time.Millisecond}, opt)
	opt.Name, opt.Urgent = "guard", true
	guard = start(t, &counted{Model: tinymodel.ByteModel(t, tensor.F32, 2), o: o, pause: time.Millisecond}, opt)
	return main, guard
}

// submit queues a request of n tokens after a short prompt.
func submit(t *testing.T, e *Engine, ctx context.Context, n int) *Stream {
	t.Helper()
	s, err := e.Submit(ctx, &Request{Prompt: []int32{72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 33, 10, 72, 105, 33, 10, 72, 101, 121}, MaxTokens: n})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSchedulerOneStepAtATime: engines sharing a Scheduler never run
// forward passes at the same time, while the same engines on their own do
// (which shows the counter sees overlaps), and both make progress: a long
// generation on the main model and a stream of guard checks both finish.
func TestSchedulerOneStepAtATime(t *testing.T) {
	var alone overlap
	main, guard := pair(t, nil, &alone)
	mustOverlap(t, &alone, func() {
		a, b := submit(t, main, context.Background(), 8), submit(t, guard, context.Background(), 8)
		collect(t, a)
		collect(t, b)
	})

	var shared overlap
	s := NewScheduler(2)
	main, guard = pair(t, s, &shared)
	var checks int
	// Guard checks, two at a time, until the long generation ends.
	whileGenerating(t, main, 60, 1, func() bool {
		a, b := submit(t, guard, context.Background(), 3), submit(t, guard, context.Background(), 3)
		for _, st := range []*Stream{a, b} {
			if _, fin := collect(t, st); fin.Finish != "length" {
				t.Errorf("guard check: %+v", fin)
			}
		}
		checks += 2
		return true
	})
	if checks == 0 {
		t.Fatal("no guard check finished")
	}
	if p := shared.peak.Load(); p != 1 {
		t.Fatalf("%d forward passes ran at once on a shared scheduler", p)
	}
	st := s.Stats()
	if len(st) != 2 || st[0].Name != "model" || st[1].Name != "guard" || !st[1].Urgent || st[0].Steps < 60 || st[1].Steps == 0 || st[0].Busy <= 0 {
		t.Fatalf("stats %+v", st)
	}
	t.Logf("%d guard checks during a 60-token generation; %+v", checks, st)
}

// TestSchedulerPolicy: urgent turns go first, but at most burst in a row
// while another engine waits; one engine alone keeps the compute.
func TestSchedulerPolicy(t *testing.T) {
	s := NewScheduler(2)
	g, err := s.join("guard", true)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.join("main", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.join("main", false); err == nil {
		t.Fatal("two engines named main joined")
	}
	ctx := context.Background()
	if !m.acquire(ctx) {
		t.Fatal("no turn for the only engine")
	}
	m.release(true) // alone: keeps it
	if !m.granted {
		t.Fatal("an engine alone lost its turn")
	}
	if !m.acquire(ctx) {
		t.Fatal("turn not taken")
	}
	// The guard asks while main holds: it waits.
	got := make(chan bool)
	go func() { got <- g.acquire(ctx) }()
	waitQueued(t, s, 1)
	m.release(true) // both want turns: the guard goes first
	<-got
	order, cur := []string{"guard"}, g
	for range 5 {
		cur.release(true)
		cur = g
		if m.granted {
			cur = m
		}
		if !cur.acquire(ctx) {
			t.Fatal("turn not taken")
		}
		order = append(order, cur.st.Name)
	}
	// Two guard turns, then main's, and again.
	want := []string{"guard", "guard", "main", "guard", "guard", "main"}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("turns %v, want %v", order, want)
		}
	}
	// Withdrawing a granted turn passes it on.
	m.release(true)
	if !g.granted || !m.queued {
		t.Fatal("the guard's turn was not granted after main's")
	}
	g.withdraw()
	if !m.granted || len(s.queue) != 0 {
		t.Fatalf("withdrawn turn not passed on: granted %v, queue %d", m.granted, len(s.queue))
	}
	if !m.acquire(ctx) {
		t.Fatal("turn not taken")
	}
	// A turn asked for with a context that ends is not given.
	cctx, cancel := context.WithCancel(ctx)
	go func() { got <- g.acquire(cctx) }()
	waitQueued(t, s, 1)
	cancel()
	if <-got {
		t.Fatal("a cancelled ask got the turn")
	}
	if len(s.queue) != 0 {
		t.Fatal("a cancelled ask stayed in the queue")
	}
	m.release(false)
	if s.held {
		t.Fatal("the compute is held by no one's step")
	}
	if st := s.Stats(); st[0].Steps != 4 || st[1].Steps != 5 {
		t.Fatalf("stats %+v", st)
	}
}

// queued is the number of lanes waiting in s's queue.
func queued(s *Scheduler) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// waitQueued waits until n lanes wait in s's queue.
func waitQueued(t *testing.T, s *Scheduler, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if queued(s) == n {
			return
		}
	}
	t.Fatalf("%d lanes never queued", n)
}

// TestSchedulerCancelAndShutdown: an engine waiting for its turn still
// stops when its context ends (its requests cancelled) and drains on
// Shutdown, while another engine holds the compute.
func TestSchedulerCancelAndShutdown(t *testing.T) {
	s := NewScheduler(0)
	var o overlap
	entered, leave := make(chan struct{}, 1), make(chan struct{})
	var once sync.Once
	hold := func() { // the first pass holds the compute until told
		once.Do(func() { entered <- struct{}{}; <-leave })
	}
	opt := Options{Parallel: 1, Ctx: 64, KVType: tensor.F32, PrefillChunk: 16, QueueSize: 4, Scheduler: s}
	holder := start(t, &counted{Model: tinymodel.ByteModel(t, tensor.F32, 1), o: &o, hold: hold}, opt)
	first := submit(t, holder, context.Background(), 3)
	<-entered

	opt.Name = "cancelled"
	e, err := New(&counted{Model: tinymodel.ByteModel(t, tensor.F32, 2), o: &o}, opt)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { e.Run(ctx); close(ran) }()
	waiting := submit(t, e, context.Background(), 3)
	waitQueued(t, s, 1)
	cancel()
	<-ran
	if _, fin := collect(t, waiting); fin.Finish != "cancelled" {
		t.Fatalf("request of a stopped engine: %+v", fin)
	}

	opt.Name = "drained"
	d, err := New(&counted{Model: tinymodel.ByteModel(t, tensor.F32, 3), o: &o}, opt)
	if err != nil {
		t.Fatal(err)
	}
	ran = make(chan struct{})
	go func() { d.Run(context.Background()); close(ran) }()
	last := submit(t, d, context.Background(), 3)
	waitQueued(t, s, 1)
	d.Shutdown()
	close(leave)
	<-ran
	if ids, fin := collect(t, last); len(ids) != 3 || fin.Finish != "length" {
		t.Fatalf("request drained at shutdown: %d tokens, %+v", len(ids), fin)
	}
	if ids, fin := collect(t, first); len(ids) != 3 || fin.Finish != "length" {
		t.Fatalf("the holder's request: %d tokens, %+v", len(ids), fin)
	}
	if o.peak.Load() != 1 {
		t.Fatalf("%d passes at once", o.peak.Load())
	}
}
