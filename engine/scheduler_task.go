package engine

import "context"

// Task is a place on a Scheduler for work that is not an engine's step:
// a model without an engine whose forward passes must not run beside the
// engines' steps (a server's Prompt Guard). Each Turn runs one piece of
// that work (one forward pass) in a turn of the scheduler, as an engine
// runs one step, so the scheduler's policy and Stats count it under the
// task's name. Turns of one Task run one at a time, in the order asked
// (the time one waits behind another of its task is not in Stats' Wait);
// any number of goroutines may call Turn. A nil *Task has the compute to
// itself: Turn runs the work at once.
type Task struct {
	l   *lane
	one chan struct{} // a token held by the Turn that owns l
}

// Task joins s as work named name (unique among the engines and tasks
// sharing s), whose turns go before non-urgent engines' steps when urgent
// (see Scheduler).
func (s *Scheduler) Task(name string, urgent bool) (*Task, error) {
	l, err := s.join(name, urgent)
	if err != nil {
		return nil, err
	}
	return &Task{l: l, one: make(chan struct{}, 1)}, nil
}

// Turn waits for t's turn and runs work in it, then hands the compute to
// whoever's turn is next. It returns ctx's error, without running work,
// when ctx ends before the turn comes; once begun, work runs to its end,
// so a turn should hold one forward pass, not a whole job.
func (t *Task) Turn(ctx context.Context, work func()) error {
	if t == nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		work()
		return nil
	}
	select { // the lane asks for one turn at a time
	case t.one <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-t.one }()
	if err := ctx.Err(); err != nil || !t.l.acquire(ctx) {
		return ctx.Err()
	}
	defer t.l.release(false)
	work()
	return nil
}
