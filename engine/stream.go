package engine

import (
	"context"
	"sync"
)

// Stream delivers one request's events in order. Events are queued without
// bound, so a slow reader never stalls the scheduler (a request's events are
// bounded by its max tokens).
type Stream struct {
	mu     sync.Mutex
	events []Event
	closed bool
	signal chan struct{} // cap 1: "something changed"
}

// NewStream makes an empty stream (for Engine and for fakes of it in tests).
func NewStream() *Stream { return &Stream{signal: make(chan struct{}, 1)} }

// Push appends ev; last closes the stream after it (ev should then have
// Done set). Push after the last event panics.
func (s *Stream) Push(ev Event, last bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		panic("engine: Stream.Push after the last event")
	}
	s.events = append(s.events, ev)
	if last {
		s.closed = true
	}
	s.mu.Unlock()
	select {
	case s.signal <- struct{}{}:
	default:
	}
}

// Recv returns the next event. ok is false when the stream has ended (after
// the final event with Done set) or ctx is done.
func (s *Stream) Recv(ctx context.Context) (ev Event, ok bool) {
	for {
		s.mu.Lock()
		if len(s.events) > 0 {
			ev = s.events[0]
			s.events[0] = Event{}
			s.events = s.events[1:]
			s.mu.Unlock()
			return ev, true
		}
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return Event{}, false
		}
		select {
		case <-s.signal:
		case <-ctx.Done():
			return Event{}, false
		}
	}
}
