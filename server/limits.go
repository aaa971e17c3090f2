package server

import (
	"io"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/herd-llm/herd/server/internal/core"
)

// The request limits' defaults (see Options).
const (
	DefaultHeaderTimeout  = 10 * time.Second
	DefaultBodyTimeout    = 30 * time.Second
	DefaultIdleTimeout    = 120 * time.Second
	DefaultWriteTimeout   = 30 * time.Second
	DefaultMaxImagePixels = 48_000_000
)

func withLimitDefaults(o Options) Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.HeaderTimeout, DefaultHeaderTimeout)
	def(&o.BodyTimeout, DefaultBodyTimeout)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MaxImagePixels <= 0 {
		o.MaxImagePixels = DefaultMaxImagePixels
	}
	if o.BodyBudget <= 0 {
		o.BodyBudget = 8 * o.MaxBody
	}
	return o
}

// httpServer is the HTTP server Serve runs: header and idle timeouts here;
// the body and write deadlines are set per request (api, sse), since a
// whole-request ReadTimeout or WriteTimeout would also cut off long
// generations and streams.
func (s *Server) httpServer() *http.Server {
	return &http.Server{Handler: s.handler, ReadHeaderTimeout: s.o.HeaderTimeout, IdleTimeout: s.o.IdleTimeout}
}

// bodyDeadline bounds reading r's body to BodyTimeout; the returned func
// lifts the deadline once the body is read, so the server can go on
// watching the connection for a client that hangs up.
func (s *Server) bodyDeadline(w http.ResponseWriter) func() {
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(s.o.BodyTimeout)) != nil {
		return func() {} // not a network connection (a test recorder)
	}
	var once sync.Once
	return func() { once.Do(func() { rc.SetReadDeadline(time.Time{}) }) }
}

// limitedBody is a request body that lifts the body deadline once it has
// been read to its end (after a failed read the deadline stays, so the
// server's own draining of an unread body cannot hang either), and counts
// the bytes read against the server's BodyBudget until release.
type limitedBody struct {
	io.ReadCloser
	lift   func()
	budget *budget
	held   int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		if !b.budget.take(int64(n)) {
			return 0, core.ErrBodyBudget
		}
		b.held += int64(n)
	}
	if err == io.EOF {
		b.lift()
	}
	return n, err
}

// Release gives the body's bytes back to the budget (once it is decoded;
// core.ReleaseBody).
func (b *limitedBody) Release() {
	b.budget.give(b.held)
	b.held = 0
}

// budget bounds the bytes of request bodies the server holds at once.
type budget struct {
	mu        sync.Mutex
	used, max int64
}

func (b *budget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max {
		return false
	}
	b.used += n
	return true
}

// inUse is the bytes taken and not given back.
func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

func (b *budget) give(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}
