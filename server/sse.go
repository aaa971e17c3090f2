package server

import (
	"encoding/json"
	"net/http"
	"sync"
)

// sse writes Server-Sent Events: one "data: JSON" event per chunk, then
// "data: [DONE]". It is safe for concurrent use by the choices of a request.
type sse struct {
	mu sync.Mutex
	w  http.ResponseWriter
	f  http.Flusher
}

func newSSE(w http.ResponseWriter) *sse {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Connection", "keep-alive")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	return &sse{w: w, f: f}
}

func (s *sse) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.w.Write(append(append([]byte("data: "), b...), '\n', '\n')); err != nil {
		return err
	}
	if s.f != nil {
		s.f.Flush()
	}
	return nil
}

func (s *sse) done() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w.Write([]byte("data: [DONE]\n\n"))
	if s.f != nil {
		s.f.Flush()
	}
}

// sendError reports an error inside an already-started stream.
func (s *sse) sendError(e *apiError) { s.send(map[string]*apiError{"error": e}) }
