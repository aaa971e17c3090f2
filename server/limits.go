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

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/tokenizer"
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

// tokenSpan is the most bytes of text one token of tok can stand for: its
// longest ranked token or special token name. A text of b bytes therefore
// encodes to at least b/span tokens, however it is split.
func tokenSpan(tok *tokenizer.Tokenizer) int {
	span := 1
	for id := 0; id < tok.VocabSize(); id++ {
		if b, ok := tok.TokenBytes(int32(id)); ok {
			span = max(span, len(b))
		}
	}
	return span
}

// checkTextFits refuses, before any tokenizing, prompt text of n bytes that
// cannot fit the context: it encodes to at least n/span tokens (see
// tokenSpan). Text that passes is at most Ctx·span bytes, which bounds the
// tokenizer's time and memory.
func (s *Server) checkTextFits(param string, n int) *apiError {
	ctx := s.eng.Ctx()
	if least := (n + s.span - 1) / s.span; least > ctx {
		return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Param: strp(param), Code: strp("context_length_exceeded"),
			Message: fmt.Sprintf("the prompt is %d bytes, at least %d tokens, but the context is %d tokens: shorten the prompt or start the server with a larger --ctx", n, least, ctx)}
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

// encodeText tokenizes plain prompt text (a BOS first) within the limits:
// text that cannot fit the context is refused before tokenizing, and the
// tokenizer runs in a worker turn.
func (s *Server) encodeText(ctx context.Context, param, text string) ([]int32, *apiError) {
	if e := s.checkTextFits(param, len(text)); e != nil {
		return nil, e
	}
	if e := s.acquire(ctx); e != nil {
		return nil, e
	}
	defer s.release()
	ids := s.tok.Encode(text, true)
	if len(ids) == 0 || ids[0] != s.tok.BOS() {
		ids = append([]int32{s.tok.BOS()}, ids...)
	}
	return ids, nil
}

// encodePrompt is the one place a chat-shaped request becomes prompt
// tokens, for every endpoint: it renders msgs with opts, refuses a prompt
// whose text cannot fit the context before tokenizing (checkTextFits),
// tokenizes in a worker turn (Options.Workers), and, with images, checks
// their headers against Options.MaxImagePixels, decodes and preprocesses
// them in worker turns, stopping as soon as ctx ends (the client left), and
// expands the prompt's <|image|> placeholders. images are in prompt order.
// Errors are API errors ready to send (400, 413, or the client-closed status).
func (s *Server) encodePrompt(ctx context.Context, msgs []chat.Message, opts chat.Options, images []imagePart) ([]int32, *engine.Images, *apiError) {
	if len(images) > 0 {
		// Cheap refusals (no vision tower, too many or too large images)
		// come before the tokenizer's work.
		if e := s.checkImages(images); e != nil {
			return nil, nil, e
		}
	}
	if e := s.acquire(ctx); e != nil {
		return nil, nil, e
	}
	prompt, e := s.encodeChat(msgs, opts)
	s.release()
	if e != nil {
		return nil, nil, e
	}
	if len(images) == 0 {
		return prompt, nil, nil
	}
	return s.prepareImages(ctx, prompt, images)
}

// encodeChat renders and tokenizes a chat prompt, refusing text that cannot
// fit the context before tokenizing it. The caller holds a worker turn.
func (s *Server) encodeChat(msgs []chat.Message, opts chat.Options) ([]int32, *apiError) {
	text, err := chat.Render(msgs, opts)
	if err != nil {
		return nil, badRequest("messages", err.Error())
	}
	if e := s.checkTextFits("messages", len(text)); e != nil {
		return nil, e
	}
	prompt, err := chat.Encode(s.tok, msgs, opts)
	if err != nil {
		return nil, badRequest("messages", err.Error())
	}
	return prompt, nil
}
