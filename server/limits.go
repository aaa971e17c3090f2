package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"
)

// The request limits' defaults (see Options).
const (
	DefaultHeaderTimeout  = 10 * time.Second
	DefaultBodyTimeout    = 30 * time.Second
	DefaultIdleTimeout    = 120 * time.Second
	DefaultWriteTimeout   = 30 * time.Second
	DefaultMaxImagePixels = 48_000_000
)

// statusClientClosed is what requests the client abandoned are counted
// as in metrics and logs (nginx's 499): not a server failure.
const statusClientClosed = 499

var errClientClosed = &apiError{Status: statusClientClosed, Message: "the client closed the request", Type: "client_closed"}

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

// liftingBody is a request body that lifts the body deadline once it has
// been read to its end. After a failed read the deadline stays, so the
// server's own draining of an unread body cannot hang either.
type liftingBody struct {
	io.ReadCloser
	lift func()
}

func (b liftingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.lift()
	}
	return n, err
}

func tooLarge(limit int64) *apiError {
	return &apiError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("request body exceeds %d bytes", limit), Type: "invalid_request_error"}
}

// readFailure maps a failure to read the request body: a 408 when the body
// took too long, the client-closed status when the client went away; nil
// for other errors (malformed JSON is the caller's 400).
func readFailure(r *http.Request, err error) *apiError {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &apiError{Status: http.StatusRequestTimeout, Message: "the request body was not received in time", Type: "invalid_request_error"}
	case r.Context().Err() != nil:
		return errClientClosed
	}
	return nil
}

// acquire takes one of the Workers turns for CPU-heavy request preparation
// (tokenizing, image decoding), waiting until one is free or ctx ends;
// release gives it back.
func (s *Server) acquire(ctx context.Context) *apiError {
	select {
	case s.work <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errClientClosed
	}
}

func (s *Server) release() { <-s.work }
