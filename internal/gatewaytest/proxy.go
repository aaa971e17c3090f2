package gatewaytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// maxBody bounds a request body the router reads.
const maxBody = 1 << 20

// ServeHTTP routes POST /v1/completions (a string prompt) to the pod Pick
// chooses and relays its answer, naming the pod in X-Routed-To. A pod that
// fails before answering gets a 502; one that fails in the middle of a
// stream ends the stream with an SSE error event naming it (no [DONE]).
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/v1/completions" {
		apiError(w, http.StatusNotFound, "not_found", fmt.Sprintf("the router serves POST /v1/completions, not %s %s", req.Method, req.URL.Path))
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		apiError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("request body unreadable or over %d bytes (%v)", maxBody, err))
		return
	}
	var in struct {
		Prompt json.RawMessage `json:"prompt"`
		Stream bool            `json:"stream"`
	}
	var prompt string
	if err := json.Unmarshal(body, &in); err != nil || json.Unmarshal(in.Prompt, &prompt) != nil {
		apiError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("the router needs a JSON body with a string prompt (%v)", err))
		return
	}
	toks, err := r.o.Tokenize(prompt)
	if err != nil {
		apiError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("tokenizing the prompt: %v", err))
		return
	}
	d, err := r.Pick(req.Context(), toks)
	if err != nil {
		apiError(w, http.StatusServiceUnavailable, "no_replica", err.Error())
		return
	}
	r.mu.Lock()
	base := r.pods[d.Pod].URL
	r.mu.Unlock()
	up, err := http.NewRequestWithContext(req.Context(), http.MethodPost, base+req.URL.Path, bytes.NewReader(body))
	if err != nil {
		apiError(w, http.StatusInternalServerError, "internal_error", err.Error())
		return
	}
	up.Header.Set("Content-Type", "application/json")
	resp, err := r.o.Client.Do(up)
	if err != nil {
		apiError(w, http.StatusBadGateway, "replica_failed", fmt.Sprintf("replica %s: %v", d.Pod, err))
		return
	}
	defer resp.Body.Close()
	w.Header().Set("X-Routed-To", d.Pod)
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	if !in.Stream {
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			apiError(w, http.StatusBadGateway, "replica_failed", fmt.Sprintf("replica %s failed while answering: %v", d.Pod, err))
			return
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(b)
		return
	}
	w.WriteHeader(resp.StatusCode)
	fl, _ := w.(http.Flusher)
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			w.Write(buf[:n])
			if fl != nil {
				fl.Flush()
			}
		}
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			msg, _ := json.Marshal(errorBody("replica_failed", fmt.Sprintf("replica %s failed mid-stream: %v", d.Pod, err)))
			fmt.Fprintf(w, "\n\ndata: %s\n\n", msg)
			return
		}
	}
}

func errorBody(code, msg string) any {
	return map[string]any{"error": map[string]string{"message": msg, "type": "upstream_error", "code": code}}
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorBody(code, msg))
}
