// Package server is herd's HTTP server: it routes the OpenAI chat and text
// completions (on the request path all APIs share, server/internal/core),
// the OpenAI Responses API (server/responses) and the Anthropic Messages API
// (server/anthropic), and serves model listing, health and readiness,
// Prometheus metrics, the guard's screening and /v1/moderations, weight
// updates and an embedded chat page, under one set of limits, API key and
// CORS rules.
package server

import (
	"context"
	"crypto/subtle"
	"embed"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/version"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/server/anthropic"
	"github.com/herd-llm/herd/server/internal/core"
	"github.com/herd-llm/herd/server/responses"
	"github.com/herd-llm/herd/tokenizer"
)

//go:embed web/index.html
var webFS embed.FS

// Options configure a Server.
type Options struct {
	ModelName string // the id /v1/models reports and requests may name
	APIKey    string // when set, requests need "Authorization: Bearer APIKey" (or "x-api-key: APIKey")
	MaxN      int    // largest n (choices per request)
	MaxBody   int64  // request body limit in bytes
	Logger    *slog.Logger
	// Vision, when set, lets chat requests carry image_url content parts
	// (data URLs): checked from their headers, decoded and preprocessed by
	// this vision tower in worker turns (Workers), encoded by the engine's
	// model at prefill.
	Vision *llama4.Vision
	// CORSOrigins, when set, are the origins whose browser pages may call
	// the API ("*": any); see ParseOrigins. Off by default.
	CORSOrigins []string
	// Guard, when set, screens requests and answers and serves
	// /v1/moderations (see GuardOptions).
	Guard *GuardOptions
	// MetricsKey, when set, is the bearer key /metrics needs. When empty,
	// /metrics needs APIKey if that is set (scrapers send it as a bearer
	// token), and is open otherwise. /health and /ready stay open for probes.
	MetricsKey string

	// Limits against hostile or runaway clients (see limits.go); zero
	// values take the defaults named.
	//
	// BodyTimeout bounds reading one request body (DefaultBodyTimeout);
	// IdleTimeout closes keep-alive connections idle this long
	// (DefaultIdleTimeout); WriteTimeout bounds each write of an answer or
	// stream chunk, so a client that stops reading is dropped
	// (DefaultWriteTimeout); HeaderTimeout bounds reading request headers
	// (DefaultHeaderTimeout).
	BodyTimeout, IdleTimeout, WriteTimeout, HeaderTimeout time.Duration
	// Workers bounds the requests tokenizing prompts or decoding images at
	// once (default GOMAXPROCS); others wait, cancellably, for a turn.
	Workers int
	// MaxImagePixels bounds the pixels (width·height, summed over the
	// images) of one request, checked from the image headers before any
	// pixel is decoded (DefaultMaxImagePixels).
	MaxImagePixels int
	// BodyBudget bounds the bytes of request bodies read but not yet
	// decoded, all requests together (default 8·MaxBody); a body that would
	// exceed it is refused with 429.
	BodyBudget int64
	// NoLazyTools turns off the lazy constraint of tool calls under
	// tool_choice "auto": by default, once the model starts a JSON call of
	// a declared tool, the rest of it is constrained to the tool's schema.
	NoLazyTools bool
	// Weights, when set, takes weight updates at /v1/weights (server/weights.go).
	Weights WeightUpdater
	// Ready, when set, is asked by every GET /ready whether the model can
	// run (a pipeline's workers answer and hold their stages); an error
	// makes /ready answer 503 with it, and each change is logged.
	Ready func(context.Context) error
}

// Engine is what the server needs of the batching engine: *engine.Engine
// implements it (tests may use a fake built on engine.NewStream).
type Engine interface {
	engine.Submitter
	Stats() engine.Stats
	Shutdown()
}

// Server serves one model.
type Server struct {
	o       Options
	cfg     *llama4.Config
	eng     Engine
	met     *metrics
	c       *core.Core // the request path of the APIs
	bodies  *budget    // request body bytes held (BodyBudget)
	closing atomic.Bool
	ready   atomic.Bool
	down    atomic.Bool // Options.Ready failed at the last probe
	handler http.Handler
	guard   *guardState // nil without Options.Guard
}

// New makes a server for a model (its configuration), its tokenizer and a
// running engine. With o.Vision set, eng must take images (its model an
// engine.ImageModel, such as engine.VisionModel).
func New(cfg *llama4.Config, tok *tokenizer.Tokenizer, eng Engine, o Options) *Server {
	if o.MaxN <= 0 {
		o.MaxN = 8
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 32 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	o = withLimitDefaults(o)
	s := &Server{o: o, cfg: cfg, eng: eng, met: newMetrics(eng.Ctx()), guard: newGuardState(o.Guard), bodies: &budget{max: o.BodyBudget}}
	s.c = core.New(cfg, tok, eng, meter{s.met}, core.Options{ModelName: o.ModelName, MaxN: o.MaxN, Vision: o.Vision, MaxImagePixels: o.MaxImagePixels,
		NoLazyTools: o.NoLazyTools, Workers: o.Workers, Guarded: s.guard != nil})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.api("chat", core.Decoded(s.c, s.c.ChatCompletions)))
	mux.HandleFunc("POST /v1/completions", s.api("completions", core.Decoded(s.c, s.c.Completions)))
	mux.HandleFunc("POST /v1/moderations", s.api("moderations", s.moderations))
	mux.HandleFunc("POST /v1/responses", s.api("responses", responses.Handler(s.c)))
	mux.HandleFunc("POST /v1/messages", s.apiAs("messages", anthropic.WriteError, anthropic.Messages(s.c)))
	mux.HandleFunc("POST /v1/messages/count_tokens", s.apiAs("count_tokens", anthropic.WriteError, anthropic.CountTokens(s.c)))
	mux.HandleFunc("GET /v1/models", s.api("models", s.models))
	mux.HandleFunc("GET /v1/models/{id}", s.api("models", s.models))
	mux.HandleFunc("/v1/weights", s.weights)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /ready", s.readyz)
	mux.HandleFunc("GET /metrics", s.metricsz)
	mux.HandleFunc("GET /{$}", s.page)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(mux, w, r) })
	s.handler = cors(o.CORSOrigins, s.guarded(mux))
	s.ready.Store(true)
	return s
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// api wraps an API handler with authentication, shutdown refusal, logging
// and metrics. The handler returns an *APIError to send, or nil once it has
// written its answer.
func (s *Server) api(name string, h core.Handler) http.HandlerFunc {
	return s.apiAs(name, core.WriteError, h)
}

// apiAs is api for an endpoint whose errors write sends in its own shape.
func (s *Server) apiAs(name string, write func(http.ResponseWriter, *core.APIError), h core.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: 200, rc: http.NewResponseController(w), timeout: s.o.WriteTimeout}
		var e *core.APIError
		switch {
		case s.o.APIKey != "" && !authorized(r, s.o.APIKey):
			e = core.ErrAuth
		case s.closing.Load() && r.Method == http.MethodPost:
			e = core.ErrClosing
		case r.ContentLength > s.o.MaxBody: // refused before a byte of the body is read
			e = core.TooLarge(s.o.MaxBody)
		default:
			r.Body = &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, s.o.MaxBody), lift: s.bodyDeadline(w), budget: s.bodies}
			e = h(sw, r)
			core.ReleaseBody(r)
		}
		if e != nil && !sw.wrote {
			write(sw, e)
		}
		sw.finish()
		status := sw.status
		if r.Context().Err() != nil {
			status = core.StatusClientClosed // the client hung up before the answer was whole: not the server's failure
		}
		s.met.request(name, status, time.Since(t0))
		s.o.Logger.Info("request", "endpoint", name, "status", status, "duration", time.Since(t0).Round(time.Microsecond), "remote", r.RemoteAddr)
	}
}

// authorized reports whether r carries the key: "Authorization: Bearer key"
// (the scheme name is case-insensitive, RFC 9110 §11.1) or, as Anthropic's
// clients send it, "x-api-key: key".
func authorized(r *http.Request, key string) bool {
	scheme, got, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		got, ok = r.Header.Get("X-Api-Key"), r.Header.Get("X-Api-Key") != ""
	}
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(key)) == 1
}

// statusWriter records an API answer's status, and gives each write (and
// flush) timeout to finish, so a client that stops reading is dropped.
type statusWriter struct {
	http.ResponseWriter
	status  int
	wrote   bool
	rc      *http.ResponseController // of the underlying writer
	timeout time.Duration
	limited bool // a write deadline is set
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	w.deadline()
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) deadline() {
	if w.timeout > 0 && w.rc.SetWriteDeadline(time.Now().Add(w.timeout)) == nil {
		w.limited = true
	}
}

func (w *statusWriter) Flush() { w.FlushError() }

// FlushError flushes within the write timeout, reporting failure
// (http.ResponseController uses it).
func (w *statusWriter) FlushError() error {
	w.deadline()
	return w.rc.Flush()
}

// finish flushes the answer within the write timeout, then lifts the
// deadline so it does not outlive the request on a kept-alive connection.
func (w *statusWriter) finish() {
	if w.limited {
		w.rc.Flush()
		w.rc.SetWriteDeadline(time.Time{})
	}
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) models(w http.ResponseWriter, r *http.Request) *core.APIError {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
		Meta    string `json:"meta,omitempty"`
		Version string `json:"herd_version"` // the serving herd build (extension)
	}
	c := s.cfg
	p := c.Params()
	m := model{ID: s.o.ModelName, Object: "model", Created: s.met.start.Unix(), OwnedBy: "herd", Version: version.Version(),
		Meta: fmt.Sprintf("Llama 4, %d layers, %s params (%s active), %d experts", c.Layers, llama4.FormatCount(p.Total), llama4.FormatCount(p.ActiveText), c.Experts)}
	w.Header().Set("Content-Type", "application/json")
	if id := r.PathValue("id"); id != "" {
		if e := s.c.CheckModel(id); e != nil {
			return e
		}
		return core.JSONOK(w, m)
	}
	return core.JSONOK(w, map[string]any{"object": "list", "data": []model{m}})
}

// readyTimeout bounds one Options.Ready check.
const readyTimeout = 5 * time.Second

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() || s.closing.Load() {
		http.Error(w, "not ready\n", http.StatusServiceUnavailable)
		return
	}
	if s.o.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		err := s.o.Ready(ctx)
		cancel()
		if was := s.down.Swap(err != nil); err != nil {
			if !was {
				s.o.Logger.Warn("not ready", "err", err)
			}
			http.Error(w, "not ready: "+err.Error()+"\n", http.StatusServiceUnavailable)
			return
		} else if was {
			s.o.Logger.Info("ready again")
		}
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) metricsz(w http.ResponseWriter, r *http.Request) {
	key := s.o.MetricsKey
	if key == "" {
		key = s.o.APIKey
	}
	if key != "" && !authorized(r, key) {
		core.WriteError(w, core.ErrAuth)
		return
	}
	st := s.eng.Stats()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	s.met.write(w, s.o.ModelName, gauges{waiting: st.Waiting, running: st.Running, kvUsage: st.KVUsage, kvBytes: st.KVBytes, generated: st.Generated,
		cache: st.Cache, poolBlocks: st.PoolBlocks, poolBytes: st.PoolBytes})
	s.guard.writeMetrics(w)
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	b, _ := webFS.ReadFile("web/index.html")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b)
}

// Serve answers on ln until ctx is done, then shuts down gracefully: it stops
// accepting requests (new POSTs get 503), lets running streams finish within
// grace, and returns. Connections are bounded by the Options' header, body,
// write and idle timeouts.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	hs := s.httpServer()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.closing.Store(true)
	s.eng.Shutdown()
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	return hs.Shutdown(sctx)
}

// meter counts the request path's work in the server's metrics (core.Meter).
type meter struct{ m *metrics }

func (m meter) Finished(u engine.Usage, finish string) { m.m.done(u, finish) }

func (m meter) Image() { m.m.image() }
