// Package server is herd's OpenAI-compatible HTTP API: chat and text
// completions (streaming over SSE or not), model listing, health and
// readiness, Prometheus metrics and an embedded chat page.
package server

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/version"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

//go:embed web/index.html
var webFS embed.FS

// Options configure a Server.
type Options struct {
	ModelName string // the id /v1/models reports and requests may name
	APIKey    string // when set, requests need "Authorization: Bearer APIKey"
	MaxN      int    // largest n (choices per request)
	MaxBody   int64  // request body limit in bytes
	Logger    *slog.Logger
	// Vision, when set, lets chat requests carry image_url content parts
	// (data URLs): decoded and preprocessed by this vision tower on the
	// request's goroutine, encoded by the engine's model at prefill.
	Vision *llama4.Vision
	// CORSOrigins, when set, are the origins whose browser pages may call
	// the API ("*": any); see ParseOrigins. Off by default.
	CORSOrigins []string
	// Weights, when set, takes weight updates at /v1/weights (server/weights.go).
	Weights WeightUpdater
}

// Engine is what the server needs of the batching engine: *engine.Engine
// implements it (tests may use a fake built on engine.NewStream).
type Engine interface {
	// Submit queues a request (see engine.Engine.Submit); errors wrapping
	// engine.ErrInvalidRequest are the client's fault.
	Submit(ctx context.Context, r *engine.Request) (*engine.Stream, error)
	Ctx() int // context length per sequence, in tokens
	Stats() engine.Stats
	Shutdown()
}

// Server serves one model.
type Server struct {
	o       Options
	cfg     *llama4.Config
	tok     *tokenizer.Tokenizer
	eng     Engine
	met     *metrics
	stopIDs []int32
	closing atomic.Bool
	ready   atomic.Bool
	handler http.Handler
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
	s := &Server{o: o, cfg: cfg, tok: tok, eng: eng, met: newMetrics(), stopIDs: engine.StopIDs(cfg.EOS, tok.StopTokens())}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.api("chat", decoded(s, s.chatCompletions)))
	mux.HandleFunc("POST /v1/completions", s.api("completions", decoded(s, s.completions)))
	mux.HandleFunc("GET /v1/models", s.api("models", s.models))
	mux.HandleFunc("GET /v1/models/{id}", s.api("models", s.models))
	mux.HandleFunc("/v1/weights", s.weights)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /ready", s.readyz)
	mux.HandleFunc("GET /metrics", s.metricsz)
	mux.HandleFunc("GET /{$}", s.page)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writeError(w, errNotFound) })
	s.handler = cors(o.CORSOrigins, mux)
	s.ready.Store(true)
	return s
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// api wraps an API handler with authentication, shutdown refusal, logging
// and metrics. The handler returns an *apiError to send, or nil once it has
// written its answer.
func (s *Server) api(name string, h func(w http.ResponseWriter, r *http.Request) *apiError) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: 200}
		var e *apiError
		switch {
		case s.o.APIKey != "" && !s.authorized(r):
			e = errAuth
		case s.closing.Load() && r.Method == http.MethodPost:
			e = errClosing
		default:
			r.Body = http.MaxBytesReader(w, r.Body, s.o.MaxBody)
			e = h(sw, r)
		}
		if e != nil {
			writeError(sw, e)
		}
		s.met.request(name, sw.status, time.Since(t0))
		s.o.Logger.Info("request", "endpoint", name, "status", sw.status, "duration", time.Since(t0).Round(time.Microsecond), "remote", r.RemoteAddr)
	}
}

func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(h, "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(key), []byte(s.o.APIKey)) == 1
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// decodeJSON reads a request body into v, mapping failures to 400s (413 for
// bodies over the limit).
func decodeJSON(r *http.Request, v any) *apiError {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("request body exceeds %d bytes", mbe.Limit), Type: "invalid_request_error"}
		}
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			field := strings.TrimPrefix(ute.Field, "sampling.") // the shared fields are embedded
			return badRequest(field, fmt.Sprintf("invalid type for %q: got JSON %s, want %s", field, ute.Value, ute.Type))
		}
		return badRequest("", "request body is not valid JSON: "+err.Error())
	}
	if dec.More() {
		return badRequest("", "request body has data after the JSON object")
	}
	return nil
}

// decoded adapts the handler of a JSON request body (chatRequest,
// completionRequest): it reads the body into a new T, checks the model the
// request names, and passes the request on.
func decoded[T any, P interface {
	*T
	model() string
}](s *Server, h func(w http.ResponseWriter, r *http.Request, req P) *apiError) func(http.ResponseWriter, *http.Request) *apiError {
	return func(w http.ResponseWriter, r *http.Request) *apiError {
		req := P(new(T))
		if e := decodeJSON(r, req); e != nil {
			return e
		}
		if e := s.checkModel(req.model()); e != nil {
			return e
		}
		return h(w, r, req)
	}
}

func (s *Server) checkModel(name string) *apiError {
	if name != "" && name != s.o.ModelName {
		return &apiError{Status: http.StatusNotFound, Message: fmt.Sprintf("model %q does not exist; this server serves %q", name, s.o.ModelName),
			Type: "invalid_request_error", Param: strp("model"), Code: strp("model_not_found")}
	}
	return nil
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) *apiError {
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
		if e := s.checkModel(id); e != nil {
			return e
		}
		return jsonOK(w, m)
	}
	return jsonOK(w, map[string]any{"object": "list", "data": []model{m}})
}

func jsonOK(w http.ResponseWriter, v any) *apiError {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() || s.closing.Load() {
		http.Error(w, "not ready\n", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) metricsz(w http.ResponseWriter, r *http.Request) {
	st := s.eng.Stats()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	s.met.write(w, s.o.ModelName, gauges{waiting: st.Waiting, running: st.Running, kvUsage: st.KVUsage, kvBytes: st.KVBytes, generated: st.Generated})
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	b, _ := webFS.ReadFile("web/index.html")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b)
}

// Serve answers on ln until ctx is done, then shuts down gracefully: it stops
// accepting requests (new POSTs get 503), lets running streams finish within
// grace, and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	hs := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
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

// newAnswer starts an answer: a new id such as "chatcmpl-1f3a…" (prefix
// "chatcmpl"), the object type, the time and the model.
func (s *Server) newAnswer(prefix, object string) answer {
	return answer{ID: fmt.Sprintf("%s-%016x", prefix, rand.Uint64()), Object: object, Created: time.Now().Unix(), Model: s.o.ModelName, SystemFingerprint: "herd"}
}
