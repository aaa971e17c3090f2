package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/tensor"
)

// pass is a Task's piece of work counted by o: a forward pass of pause.
func (o *overlap) pass(pause time.Duration) {
	o.enter()
	time.Sleep(pause)
	o.leave()
}

// taskLoad runs turns of t from three goroutines, each turn a pass counted
// by o, until the main engine's generation of 40 tokens ends; it returns
// the turns run.
func taskLoad(t *testing.T, main *Engine, task *Task, o *overlap) int64 {
	t.Helper()
	var turns atomic.Int64
	whileGenerating(t, main, 40, 3, func() bool {
		if err := task.Turn(context.Background(), func() { o.pass(time.Millisecond) }); err != nil {
			t.Error(err)
			return false
		}
		turns.Add(1)
		return true
	})
	return turns.Load()
}

// TestTaskOneStepAtATime: a Task's turns never run beside an engine's
// steps on a shared Scheduler, nor beside each other, while without one
// (a nil Task) they do, which shows the counter sees overlaps; both the
// engine and the task make progress, and Stats counts the task's turns
// under its name.
func TestTaskOneStepAtATime(t *testing.T) {
	opt := Options{Parallel: 2, Ctx: 128, KVType: tensor.F32, PrefillChunk: 16, QueueSize: 64}
	var alone overlap
	main := start(t, &counted{Model: tinymodel.ByteModel(t, tensor.F32, 1), o: &alone, pause: time.Millisecond}, opt)
	mustOverlap(t, &alone, func() { taskLoad(t, main, nil, &alone) })

	var shared overlap
	s := NewScheduler(2)
	opt.Scheduler = s
	main = start(t, &counted{Model: tinymodel.ByteModel(t, tensor.F32, 1), o: &shared, pause: time.Millisecond}, opt)
	task, err := s.Task("prompt-guard", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Task("model", true); err == nil {
		t.Fatal("a task joined under the engine's name")
	}
	turns := taskLoad(t, main, task, &shared)
	if turns == 0 {
		t.Fatal("no turn of the task ran")
	}
	if p := shared.peak.Load(); p != 1 {
		t.Fatalf("%d passes ran at once on a shared scheduler", p)
	}
	st := s.Stats()
	if len(st) != 2 || st[1].Name != "prompt-guard" || !st[1].Urgent || st[1].Steps != turns || st[1].Busy <= 0 || st[0].Steps < 40 {
		t.Fatalf("stats %+v after %d turns", st, turns)
	}
	t.Logf("%d task turns during a 40-token generation; %+v", turns, st)
}

// TestTaskCancel: a Turn whose context ends while it waits, for the
// compute or behind another Turn of its task, returns the context's error
// without running its work and leaves nothing queued; a Turn with a
// context already ended runs nothing even when the compute is free.
func TestTaskCancel(t *testing.T) {
	s := NewScheduler(0)
	holder, err := s.Task("holder", false)
	if err != nil {
		t.Fatal(err)
	}
	task, err := s.Task("prompt-guard", true)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ended, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	if err := task.Turn(ended, func() { ran = true }); !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("a turn with an ended context: %v, ran %v", err, ran)
	}

	entered, leave := make(chan struct{}), make(chan struct{})
	held := make(chan error)
	go func() { held <- holder.Turn(ctx, func() { close(entered); <-leave }) }()
	<-entered
	// One Turn waits for the compute, a second behind it for the task.
	var runs atomic.Int32
	cctx, cancel := context.WithCancel(ctx)
	errs := make(chan error, 2)
	go func() { errs <- task.Turn(cctx, func() { runs.Add(1) }) }()
	waitQueued(t, s, 1)
	go func() { errs <- task.Turn(cctx, func() { runs.Add(1) }) }()
	time.Sleep(10 * time.Millisecond) // the second Turn waits behind the first
	cancel()
	for range 2 {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Fatalf("a cancelled turn: %v", err)
		}
	}
	if runs.Load() != 0 {
		t.Fatal("a cancelled turn ran its work")
	}
	if q := queued(s); q != 0 {
		t.Fatalf("%d lanes queued after the cancelled turns", q)
	}
	close(leave)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := task.Turn(ctx, func() { runs.Add(1) }); err != nil || runs.Load() != 1 {
		t.Fatalf("a turn after the cancelled ones: %v, %d runs", err, runs.Load())
	}
	if s.held {
		t.Fatal("the compute is held by no one's turn")
	}
	if st := s.Stats(); st[0].Steps != 1 || st[1].Steps != 1 {
		t.Fatalf("stats %+v", st)
	}
}
