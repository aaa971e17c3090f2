package engine

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// DefaultBurst is the most urgent steps a Scheduler runs in a row while
// another engine waits, when NewScheduler is given none.
const DefaultBurst = 4

// Scheduler shares one machine's compute among several engines (a
// server's main model and its guard): each engine's loop asks it for a
// turn before every step (a batched forward pass: prefill chunks, decode
// tokens, images encoded at admission) and gives the turn back after, so
// exactly one step of one engine runs at a time on the shared cores and
// the kernels' worker pool. The compute is free for an engine that finds
// no one else holding or waiting for it, so a single engine on a shared
// Scheduler runs as it would on its own.
//
// Policy: when a turn ends, an urgent engine's waiting step goes first (a
// guard's: a request, or an answer held back from its stream, waits on
// each check), but after burst urgent steps in a row (NewScheduler) while
// a non-urgent engine waits, that engine gets the next turn, so a stream
// of guard work delays each decode step by at most burst steps and never
// starves it.
// Engines of the same urgency take turns in the order they asked.
//
// Engines join with Options.Scheduler, work that is not an engine's (a
// classifier's forward passes) with Task; Stats reports each one's steps,
// time computing and time waiting for a turn.
type Scheduler struct {
	burst int

	mu    sync.Mutex
	held  bool    // a step runs
	queue []*lane // engines waiting for a turn, in the order they asked
	run   int     // urgent turns given in a row while a non-urgent engine waited
	lanes []*lane // every engine that joined, in order
}

// NewScheduler makes a scheduler that gives urgent engines at most burst
// turns in a row while another engine waits (≤ 0: DefaultBurst).
func NewScheduler(burst int) *Scheduler {
	if burst <= 0 {
		burst = DefaultBurst
	}
	return &Scheduler{burst: burst}
}

// SchedulerStats is one engine's (or Task's) share of a Scheduler.
type SchedulerStats struct {
	Name   string
	Urgent bool
	Steps  int64         // turns taken
	Busy   time.Duration // holding a turn (running steps)
	Wait   time.Duration // asking for a turn while another engine held it
}

// Stats returns each engine's figures, in the order they joined.
func (s *Scheduler) Stats() []SchedulerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SchedulerStats, len(s.lanes))
	for i, l := range s.lanes {
		out[i] = l.st
	}
	return out
}

// lane is one engine's place in a Scheduler. Its engine's loop asks for
// one turn at a time: acquire, step, release (saying whether it has
// another step), and withdraw when it stops asking.
type lane struct {
	s      *Scheduler
	urgent bool
	ready  chan struct{} // receives the turn granted to a queued lane
	// s.mu guards the rest.
	queued  bool      // in s.queue
	granted bool      // given the turn, which acquire has not taken yet
	asked   time.Time // when the lane last asked for a turn
	since   time.Time // when the turn held began
	st      SchedulerStats
}

// join adds an engine or Task named name (unique in s).
func (s *Scheduler) join(name string, urgent bool) (*lane, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.lanes {
		if o.st.Name == name {
			return nil, fmt.Errorf("engine: an engine or task named %q already shares the scheduler", name)
		}
	}
	l := &lane{s: s, urgent: urgent, ready: make(chan struct{}, 1), st: SchedulerStats{Name: name, Urgent: urgent}}
	s.lanes = append(s.lanes, l)
	return l, nil
}

// acquire waits for l's turn (asking for one unless release already did);
// it reports false, holding nothing, when ctx ends first. A nil lane (an
// engine of its own) always has the compute.
func (l *lane) acquire(ctx context.Context) bool {
	if l == nil {
		return true
	}
	s := l.s
	s.mu.Lock()
	if !l.queued && !l.granted {
		l.asked = time.Now()
		if !s.held {
			s.held = true
			l.take()
			s.mu.Unlock()
			return true
		}
		l.queued = true
		s.queue = append(s.queue, l)
	}
	s.mu.Unlock()
	select {
	case <-l.ready:
		s.mu.Lock()
		l.granted = false
		s.mu.Unlock()
		return true
	case <-ctx.Done():
		l.withdraw()
		return false
	}
}

// take starts l's turn (s.mu held).
func (l *lane) take() {
	l.since = time.Now()
	l.st.Steps++
	l.st.Wait += l.since.Sub(l.asked)
}

// release ends l's turn and hands the compute to the engine whose turn is
// next; again says l has another step, which then competes as if asked
// now (acquire takes the turn when it comes).
func (l *lane) release(again bool) {
	if l == nil {
		return
	}
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	l.st.Busy += now.Sub(l.since)
	if again {
		l.asked, l.queued = now, true
		s.queue = append(s.queue, l)
	}
	n := s.next()
	if n == nil {
		s.held = false
		return
	}
	n.queued, n.granted = false, true
	n.take()
	n.ready <- struct{}{} // never blocks: one turn at a time per lane
}

// withdraw takes back l's request for a turn, if any: it leaves the queue,
// or passes on a turn granted but not taken.
func (l *lane) withdraw() {
	if l == nil {
		return
	}
	s := l.s
	s.mu.Lock()
	switch {
	case l.queued:
		l.queued = false
		for i, q := range s.queue {
			if q == l {
				s.queue = append(s.queue[:i], s.queue[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
	case l.granted:
		l.granted = false
		l.st.Steps-- // a turn not taken is no step
		s.mu.Unlock()
		<-l.ready
		l.release(false)
	default:
		s.mu.Unlock()
	}
}

// next removes and returns the lane whose turn it is (nil: none waits),
// following the policy of Scheduler (s.mu held).
func (s *Scheduler) next() *lane {
	if len(s.queue) == 0 {
		return nil
	}
	u, o := -1, -1 // the first urgent and the first other lane waiting
	for i, l := range s.queue {
		if l.urgent && u < 0 {
			u = i
		}
		if !l.urgent && o < 0 {
			o = i
		}
	}
	i := u
	switch {
	case u < 0:
		i, s.run = o, 0
	case o < 0:
		s.run = 0 // no one else waits: the burst does not count
	case s.run >= s.burst:
		i, s.run = o, 0
	default:
		s.run++
	}
	l := s.queue[i]
	s.queue = append(s.queue[:i], s.queue[i+1:]...)
	return l
}
