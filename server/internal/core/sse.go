package core

import (
	"encoding/json"
	"errors"
	"net/http"
	"sync"
)

// SSE writes Server-Sent Events: one "data: JSON" event per chunk, then
// "data: [DONE]". It is safe for concurrent use by the choices of a request.
// The first write that fails (the client stopped reading past the write
// timeout, or left) calls Gone, and later writes are dropped.
type SSE struct {
	mu     sync.Mutex
	w      http.ResponseWriter
	rc     *http.ResponseController
	Gone   func() // when set, called once a write fails
	failed bool
}

// NewSSE starts a stream on w (status 200). Each write's deadline is the
// server's (its Options.WriteTimeout from the write's start).
func NewSSE(w http.ResponseWriter) *SSE {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Connection", "keep-alive")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return &SSE{w: w, rc: http.NewResponseController(w)}
}

func (s *SSE) Send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.write(append(append([]byte("data: "), b...), '\n', '\n'))
}

func (s *SSE) Done() { s.write([]byte("data: [DONE]\n\n")) }

// write writes and flushes one event.
func (s *SSE) write(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed {
		return errStreamGone
	}
	_, err := s.w.Write(b)
	if err == nil {
		err = s.rc.Flush()
		if errors.Is(err, http.ErrNotSupported) {
			err = nil
		}
	}
	if err != nil {
		s.failed = true
		if s.Gone != nil {
			s.Gone()
		}
		return err
	}
	return nil
}

// Event sends one named Server-Sent Event ("event: NAME", "data: JSON"), as
// the Anthropic Messages and OpenAI Responses APIs stream (no [DONE]).
func (s *SSE) Event(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.write([]byte("event: " + name + "\ndata: " + string(b) + "\n\n"))
}

var errStreamGone = errors.New("server: the stream's client is gone")

// SendError reports an error inside an already-started stream.
func (s *SSE) SendError(e *APIError) { s.Send(map[string]*APIError{"error": e}) }
