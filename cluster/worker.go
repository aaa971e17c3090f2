package cluster

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// The worker's endpoints.
const (
	pathInfo    = "/v1/info"
	pathAssign  = "/v1/assign"
	pathForward = "/v1/forward"
)

// Error codes a worker returns in errorReply.Code.
const (
	codeUnassigned = "unassigned"     // no assignment, or not the one the leader names
	codeLost       = "lost-sequence"  // the worker holds no state for a sequence the leader continues
	codeWeights    = "weights-differ" // RangeHash mismatch
	codeBad        = "bad-request"    // malformed or impossible request
	codeMemory     = "not-enough-memory"
)

// headerCompute is the reply header with the nanoseconds a forward call
// spent in the worker (waiting for its turn and computing), so the leader
// can tell compute from transport.
const headerCompute = "Herd-Compute-Ns"

// maxForwardBody bounds a forward call's body (1 GiB: 64k tokens of width 4096).
const maxForwardBody = 1 << 30

// infoReply is what a worker tells the leader about itself.
type infoReply struct {
	Instance   string `json:"instance"` // random per process start
	ConfigHash string `json:"config_hash"`
	Layers     int    `json:"layers"`
	Avail      int64  `json:"available_bytes"`
}

// assignRequest gives a worker its layers.
type assignRequest struct {
	Lo, Hi    int
	Hash      string // RangeHash of the leader's copy
	KV        string // KV cache type (tensor.DType flag name)
	Ctx       int
	Sequences int
	Batch     int
}

// assignReply confirms an assignment.
type assignReply struct {
	Assign uint64 `json:"assign"`
}

// errorReply is the body of every error status.
type errorReply struct {
	Code  string `json:"code"`
	Error string `json:"error"`
}

// WorkerStats counts a worker's work since it started.
type WorkerStats struct {
	Calls, Tokens int64
	Busy          time.Duration
}

// Worker serves a range of a model's decoder layers to a leader. Each
// sequence's KV cache for those layers lives here, keyed by the leader's
// sequence id. Create it with NewWorker and serve it with Serve.
type Worker struct {
	full     *llama4.Model
	auth     *Auth
	instance string
	avail    func() (int64, error)
	logf     func(format string, a ...any)

	mu     sync.Mutex // one assignment change or forward pass at a time
	as     *assignment
	nextID uint64
	stats  WorkerStats
}

// assignment is a worker's current share of the pipeline.
type assignment struct {
	id     uint64
	lo, hi int
	kv     tensor.DType
	model  *llama4.Model
	caches map[uint64]*kvcache.Cache
}

// NewWorker makes a worker over a loaded model (every layer bound; only the
// assigned ones are used). logf, if set, receives one line per event.
func NewWorker(m *llama4.Model, auth *Auth, logf func(format string, a ...any)) *Worker {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	var b [8]byte
	rand.Read(b[:])
	return &Worker{full: m, auth: auth, instance: hex.EncodeToString(b[:]), avail: kvcache.Available, logf: logf,
		nextID: binary.LittleEndian.Uint64(b[:]) | 1}
}

// Stats returns the worker's counters.
func (w *Worker) Stats() WorkerStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// Serve answers leaders on l over HTTP/2 with TLS (Auth's configuration)
// until the server is closed. The returned server's Close stops it.
func (w *Worker) Serve(l net.Listener) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathInfo, w.handleInfo)
	mux.HandleFunc("POST "+pathAssign, w.handleAssign)
	mux.HandleFunc("POST "+pathForward, w.handleForward)
	srv := &http.Server{
		Handler:           mux,
		TLSConfig:         w.auth.ServerConfig(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       10 * time.Minute,
		HTTP2:             http2Config(),
		ErrorLog:          log.New(logWriter(w.logf), "", 0),
	}
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP2(true)
	go func() {
		if err := srv.ServeTLS(l, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			w.logf("worker: serving: %v", err)
		}
	}()
	return srv
}

// logWriter turns the HTTP server's log lines (refused TLS handshakes among
// them) into logf calls.
type logWriter func(format string, a ...any)

func (f logWriter) Write(b []byte) (int, error) {
	f("worker: %s", strings.TrimSpace(string(b)))
	return len(b), nil
}

func writeError(rw http.ResponseWriter, status int, code string, err error) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	json.NewEncoder(rw).Encode(errorReply{Code: code, Error: err.Error()})
}

func writeJSON(rw http.ResponseWriter, v any) {
	rw.Header().Set("Content-Type", "application/json")
	json.NewEncoder(rw).Encode(v)
}

func (w *Worker) handleInfo(rw http.ResponseWriter, r *http.Request) {
	ch, err := ConfigHash(w.full)
	if err != nil {
		writeError(rw, http.StatusInternalServerError, codeBad, err)
		return
	}
	avail, err := w.avail()
	if err != nil {
		avail = 0
	}
	writeJSON(rw, infoReply{Instance: w.instance, ConfigHash: ch, Layers: w.full.Config.Layers, Avail: avail})
}

func (w *Worker) handleAssign(rw http.ResponseWriter, r *http.Request) {
	var req assignRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
		writeError(rw, http.StatusBadRequest, codeBad, fmt.Errorf("assign: %w", err))
		return
	}
	status, code, id, err := w.assign(req)
	if err != nil {
		w.logf("worker: refused layers %d–%d: %v", req.Lo, req.Hi-1, err)
		writeError(rw, status, code, err)
		return
	}
	w.logf("worker: serving layers %d–%d (assignment %x)", req.Lo, req.Hi-1, id)
	writeJSON(rw, assignReply{Assign: id})
}

// assign checks and installs an assignment, dropping every cache of the
// previous one.
func (w *Worker) assign(req assignRequest) (int, string, uint64, error) {
	c := w.full.Config
	if req.Lo < 0 || req.Hi > c.Layers || req.Lo >= req.Hi {
		return http.StatusBadRequest, codeBad, 0, fmt.Errorf("layer range [%d, %d) outside the model's %d layers", req.Lo, req.Hi, c.Layers)
	}
	kv, err := kvcache.ParseKVType(req.KV)
	if err != nil {
		return http.StatusBadRequest, codeBad, 0, fmt.Errorf("KV type %q: %w", req.KV, err)
	}
	if req.Ctx <= 0 || req.Batch <= 0 {
		return http.StatusBadRequest, codeBad, 0, fmt.Errorf("context %d and batch %d must be positive", req.Ctx, req.Batch)
	}
	h, err := RangeHash(w.full, req.Lo, req.Hi)
	if err != nil {
		return http.StatusBadRequest, codeBad, 0, err
	}
	if h != req.Hash {
		return http.StatusConflict, codeWeights, 0, fmt.Errorf("the weights of layers %d–%d differ: this worker's copy hashes to %.16s…, the leader's to %.16s… (every host must load the same model file)", req.Lo, req.Hi-1, h, req.Hash)
	}
	in := SplitInput{Config: c, LayerBytes: layerBytes(w.full), Ctx: req.Ctx, Sequences: req.Sequences, Batch: req.Batch, KV: kv}
	pin := in.stagePlan(req.Lo, req.Hi, 0)
	if avail, err := w.avail(); err == nil {
		p := kvcache.MakePlan(pin)
		if err := kvcache.Fit(pin, &p, avail); err != nil {
			return http.StatusInsufficientStorage, codeMemory, 0, err
		}
	}
	sm, err := stageModel(w.full, req.Lo, req.Hi, false)
	if err != nil {
		return http.StatusBadRequest, codeBad, 0, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.nextID++
	w.as = &assignment{id: w.nextID, lo: req.Lo, hi: req.Hi, kv: kv, model: sm, caches: map[uint64]*kvcache.Cache{}}
	return 0, "", w.nextID, nil
}

func (w *Worker) handleForward(rw http.ResponseWriter, r *http.Request) {
	buf := bytes.NewBuffer(make([]byte, 0, min(max(r.ContentLength, 0), maxForwardBody)+1))
	_, err := buf.ReadFrom(io.LimitReader(r.Body, maxForwardBody+1))
	body := buf.Bytes()
	if err != nil {
		writeError(rw, http.StatusBadRequest, codeBad, fmt.Errorf("reading the forward call: %w", err))
		return
	}
	if len(body) > maxForwardBody {
		writeError(rw, http.StatusRequestEntityTooLarge, codeBad, fmt.Errorf("forward call over %d bytes", maxForwardBody))
		return
	}
	msg, err := decodeForward(body, w.full.Config.Hidden)
	if err != nil {
		writeError(rw, http.StatusBadRequest, codeBad, err)
		return
	}
	t0 := time.Now()
	status, code, err := w.forward(msg)
	if err != nil {
		writeError(rw, status, code, err)
		return
	}
	rw.Header().Set(headerCompute, strconv.FormatInt(int64(time.Since(t0)), 10))
	rw.Header().Set("Content-Type", "application/octet-stream")
	rw.Write(appendF32(make([]byte, 0, 4*len(msg.hidden)), msg.hidden))
}

// forward runs the assigned layers over msg.hidden in place.
func (w *Worker) forward(msg *forwardMsg) (int, string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t0 := time.Now()
	as := w.as
	if as == nil || as.id != msg.assign {
		return http.StatusConflict, codeUnassigned, fmt.Errorf("this worker (instance %s) holds no assignment %x (restarted?)", w.instance, msg.assign)
	}
	for _, id := range msg.free {
		delete(as.caches, id)
	}
	seqs := make([]llama4.Seq, len(msg.seqs))
	for i, s := range msg.seqs {
		c, err := as.cache(s)
		if err != nil {
			return http.StatusGone, codeLost, err
		}
		seqs[i] = llama4.Seq{Cache: c, IDs: s.ids}
	}
	if err := as.model.ForwardLayers(seqs, msg.hidden, as.lo, as.hi); err != nil {
		return http.StatusBadRequest, codeBad, err
	}
	for _, sq := range seqs {
		sq.Cache.Commit(sq.IDs)
	}
	w.stats.Calls++
	w.stats.Tokens += int64(msg.tokens())
	w.stats.Busy += time.Since(t0)
	return 0, "", nil
}

// cache returns the cache of sequence s positioned at s.p0: new at
// position 0, rewound when the leader went back (prefix reuse, a failed
// step), an error when the worker lacks positions the leader holds.
func (as *assignment) cache(s wireSeq) (*kvcache.Cache, error) {
	c := as.caches[s.id]
	if c == nil {
		if s.p0 != 0 {
			return nil, fmt.Errorf("sequence %x continues at position %d but this worker holds none of it (it restarted or was reassigned): start the request again", s.id, s.p0)
		}
		var err error
		if c, err = as.model.NewCacheOf(s.maxLen, as.kv); err != nil {
			return nil, err
		}
		as.caches[s.id] = c
	}
	if c.MaxLen() != s.maxLen {
		return nil, fmt.Errorf("sequence %x: context %d, this worker's cache holds %d", s.id, s.maxLen, c.MaxLen())
	}
	if c.Len() > s.p0 {
		if keep := c.Rewind(s.p0); keep != s.p0 {
			c.Reset()
			return nil, fmt.Errorf("sequence %x: cannot go back to position %d (its chunked layers only hold from %d): start the request again", s.id, s.p0, keep)
		}
	}
	if c.Len() < s.p0 {
		return nil, fmt.Errorf("sequence %x continues at position %d but this worker holds only %d positions of it: start the request again", s.id, s.p0, c.Len())
	}
	return c, nil
}
