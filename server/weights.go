package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/server/internal/core"
)

// WeightUpdater replaces the served model's weights while the engine runs:
// an RL learner (herd rl --generator) pushes each new policy version.
type WeightUpdater interface {
	// UpdateWeights installs the float safetensors file b (Hugging Face
	// names, the served model's shapes) as version, which must be above the
	// current one. The swap happens between decode steps.
	UpdateWeights(version int64, b []byte) error
	// WeightVersion is the installed version (0: the weights served at
	// start).
	WeightVersion() int64
}

// ErrStaleVersion is returned by UpdateWeights for a version that is not
// above the installed one.
var ErrStaleVersion = errors.New("weight version is not newer than the installed one")

// SwapWeights is the WeightUpdater of an engine running on a SwapModel of
// text models with config Config.
type SwapWeights struct {
	Model  *engine.SwapModel
	Config *llama4.Config
	mu     sync.Mutex // one update at a time
}

// UpdateWeights binds b (checking every tensor's name, dtype and shape
// against the config) and swaps it in.
func (u *SwapWeights) UpdateWeights(version int64, b []byte) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if cur := u.Model.Version(); version <= cur {
		return fmt.Errorf("%w: version %d, installed %d", ErrStaleVersion, version, cur)
	}
	set, err := safetensors.OpenBytes("weights.safetensors", b)
	if err != nil {
		return err
	}
	w, err := checkpoint.BindHF(set, u.Config)
	if err != nil {
		return err
	}
	return u.Model.Swap(llama4.New(u.Config, w), version)
}

// WeightVersion is the installed version.
func (u *SwapWeights) WeightVersion() int64 { return u.Model.Version() }

// maxWeightBody bounds a weight update's body (16 GiB).
const maxWeightBody = 16 << 30

// weights is /v1/weights: GET reports the installed version; POST
// ?version=N with a safetensors body installs new weights. Both need the
// server's API key (updates are refused on a server without one), and the
// server to have been started with weight updates on.
func (s *Server) weights(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: 200}
	e := s.weightsReply(sw, r)
	if e != nil {
		core.WriteError(sw, e)
	}
	s.met.request("weights", sw.status, time.Since(t0))
	s.o.Logger.Info("request", "endpoint", "weights", "status", sw.status, "duration", time.Since(t0).Round(time.Microsecond), "remote", r.RemoteAddr)
}

func (s *Server) weightsReply(w http.ResponseWriter, r *http.Request) *core.APIError {
	u := s.o.Weights
	switch {
	case u == nil:
		return &core.APIError{Status: http.StatusNotFound, Message: "weight updates are off (start the server with --weight-updates)", Type: "invalid_request_error"}
	case s.o.APIKey == "":
		return &core.APIError{Status: http.StatusForbidden, Message: "weight updates need the server to have an API key (--api-key)", Type: "invalid_request_error"}
	case !authorized(r, s.o.APIKey):
		return core.ErrAuth
	case r.Method == http.MethodGet:
		return core.JSONOK(w, map[string]int64{"version": u.WeightVersion()})
	case r.Method != http.MethodPost:
		return &core.APIError{Status: http.StatusMethodNotAllowed, Message: "use GET or POST ?version=N", Type: "invalid_request_error"}
	case s.closing.Load():
		return core.ErrClosing
	}
	version, err := strconv.ParseInt(r.URL.Query().Get("version"), 10, 64)
	if err != nil || version <= 0 {
		return core.BadRequest("version", fmt.Sprintf("version %q: want a positive integer (?version=N)", r.URL.Query().Get("version")))
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWeightBody))
	if err != nil {
		return core.BadRequest("", "reading the weights: "+err.Error())
	}
	if err := u.UpdateWeights(version, b); err != nil {
		if errors.Is(err, ErrStaleVersion) {
			return &core.APIError{Status: http.StatusConflict, Message: err.Error(), Type: "invalid_request_error", Param: core.Strp("version")}
		}
		return core.BadRequest("", "weights: "+err.Error())
	}
	s.o.Logger.Info("weights updated", "version", version, "bytes", len(b))
	return core.JSONOK(w, map[string]int64{"version": version})
}
