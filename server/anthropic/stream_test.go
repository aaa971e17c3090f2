package anthropic

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/herd-llm/herd/internal/lockedbuf"
	"github.com/herd-llm/herd/server/internal/core"
)

// eventWriter is a ResponseWriter whose body can be read while the pinger
// writes to it.
type eventWriter struct {
	lockedbuf.Buffer
	header http.Header
}

func (w *eventWriter) Header() http.Header { return w.header }
func (w *eventWriter) WriteHeader(int)     {}

// TestMessagesPinger: a stream starts after the wait for the first token,
// then carries ping events until the pinger is stopped; stopped before the
// wait ends, it starts nothing.
func TestMessagesPinger(t *testing.T) {
	rec := &eventWriter{header: http.Header{}}
	var mu sync.Mutex
	var out *core.SSE
	begin := func() *core.SSE {
		mu.Lock()
		defer mu.Unlock()
		if out == nil {
			out = core.NewSSE(rec)
			out.Event("message_start", msgEvent{Type: "message_start"})
		}
		return out
	}
	pinger(begin, time.Hour, time.Millisecond)() // stopped at once
	if out != nil {
		t.Fatal("stopped before the first wait ended, the pinger started the stream")
	}
	stop := pinger(begin, 5*time.Millisecond, time.Millisecond)
	pings := func() int { return strings.Count(rec.String(), "event: ping\n") }
	for deadline := time.Now().Add(10 * time.Second); pings() < 3; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d pings in 10 s", pings())
		}
	}
	stop()
	n := pings()
	time.Sleep(20 * time.Millisecond)
	stop() // a second call is harmless
	if pings() != n {
		t.Fatalf("pings after stop: %d, then %d", n, pings())
	}
	var names []string
	for _, line := range strings.Split(rec.String(), "\n") {
		if name, ok := strings.CutPrefix(line, "event: "); ok {
			names = append(names, name)
		}
	}
	for i, name := range names {
		if (i == 0) != (name == "message_start") || i > 0 && name != "ping" {
			t.Fatalf("event %d %s of %q", i, name, names)
		}
	}
	if len(names) != n+1 {
		t.Fatalf("%d events, want message_start and %d pings", len(names), n)
	}
}
