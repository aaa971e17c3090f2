package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"time"
)

// Handler is an API endpoint: it returns an *APIError to send, or nil once
// it has written its answer.
type Handler = func(w http.ResponseWriter, r *http.Request) *APIError

// ReleaseBody gives r's body bytes back to the server's body budget once
// the body is decoded, when the body counts against one (a Release method).
func ReleaseBody(r *http.Request) {
	if b, ok := r.Body.(interface{ Release() }); ok {
		b.Release()
	}
}

// StatusClientClosed is what requests the client abandoned are counted
// as in metrics and logs (nginx's 499): not a server failure.
const StatusClientClosed = 499

var errClientClosed = &APIError{Status: StatusClientClosed, Message: "the client closed the request", Type: "client_closed"}

// ErrBodyBudget is the error a request body read fails with when the bodies
// in flight would exceed the server's budget (a 429).
var ErrBodyBudget = errors.New("server: request bodies in flight exceed the budget")

// TooLarge is the 413 of a request body over limit bytes.
func TooLarge(limit int64) *APIError {
	return &APIError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("request body exceeds %d bytes", limit), Type: "invalid_request_error"}
}

// readFailure maps a failure to read the request body: a 408 when the body
// took too long, a 429 when the bodies in flight exceed BodyBudget, the
// client-closed status when the client went away; nil for other errors.
func readFailure(r *http.Request, err error) *APIError {
	switch {
	case errors.Is(err, ErrBodyBudget):
		return &APIError{Status: http.StatusTooManyRequests, Message: "too many large request bodies at once; retry later", Type: "server_error", Code: Strp("rate_limit_exceeded")}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &APIError{Status: http.StatusRequestTimeout, Message: "the request body was not received in time", Type: "invalid_request_error"}
	case r.Context().Err() != nil:
		return errClientClosed
	}
	return nil
}

// acquire takes one of the Workers turns for CPU-heavy request preparation
// (tokenizing, image decoding), waiting until one is free or ctx ends;
// release gives it back.
func (s *Core) acquire(ctx context.Context) *APIError {
	select {
	case s.work <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errClientClosed
	}
}

func (s *Core) release() { <-s.work }

// DecodeJSON reads a request body into v, mapping failures to 400s (413 for
// bodies over the limit, 408 for bodies too slow to arrive).
func DecodeJSON(r *http.Request, v any) *APIError {
	body, e := readBody(r)
	if e != nil {
		return e
	}
	return unmarshalBody(body, v)
}

// readBody reads a whole request body (bounded by the api wrapper's
// MaxBytesReader), mapping failures as DecodeJSON does.
func readBody(r *http.Request) ([]byte, *APIError) {
	buf := bytes.NewBuffer(make([]byte, 0, max(0, min(r.ContentLength, 64<<20))+bytes.MinRead))
	if _, err := buf.ReadFrom(r.Body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, TooLarge(mbe.Limit)
		}
		if e := readFailure(r, err); e != nil {
			return nil, e
		}
		return nil, BadRequest("", "reading the request body: "+err.Error())
	}
	return buf.Bytes(), nil
}

// unmarshalBody decodes a JSON request body into v.
func unmarshalBody(body []byte, v any) *APIError {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			field := strings.TrimPrefix(ute.Field, "sampling.") // the shared fields are embedded
			return BadRequest(field, fmt.Sprintf("invalid type for %q: got JSON %s, want %s", field, ute.Value, ute.Type))
		}
		return BadRequest("", "request body is not valid JSON: "+err.Error())
	}
	if dec.More() {
		return BadRequest("", "request body has data after the JSON object")
	}
	return nil
}

// Decoded adapts the handler of a JSON request body (ChatRequest,
// completionRequest): it reads the body into a new T, checks the model the
// request names, and passes the request on.
func Decoded[T any, P interface {
	*T
	RequestedModel() string
}](s *Core, h func(w http.ResponseWriter, r *http.Request, req P) *APIError) func(http.ResponseWriter, *http.Request) *APIError {
	return func(w http.ResponseWriter, r *http.Request) *APIError {
		req := P(new(T))
		body, e := readBody(r)
		if e != nil {
			return e
		}
		// Decoding (megabytes of JSON, at worst) is CPU work: it takes a
		// worker turn, as tokenizing does, so floods cannot starve the rest.
		if e := s.acquire(r.Context()); e != nil {
			return e
		}
		e = unmarshalBody(body, req)
		s.release()
		body = nil
		ReleaseBody(r) // decoded: the raw bytes no longer count
		if e != nil {
			return e
		}
		if e := s.CheckModel(req.RequestedModel()); e != nil {
			return e
		}
		return h(w, r, req)
	}
}

// CheckModel refuses (404) a request that names a model other than the
// served one; an empty name is the served one.
func (s *Core) CheckModel(name string) *APIError {
	if name != "" && name != s.o.ModelName {
		return &APIError{Status: http.StatusNotFound, Message: fmt.Sprintf("model %q does not exist; this server serves %q", name, s.o.ModelName),
			Type: "invalid_request_error", Param: Strp("model"), Code: Strp("model_not_found")}
	}
	return nil
}

// JSONOK sends v as a JSON answer (200).
func JSONOK(w http.ResponseWriter, v any) *APIError {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
	return nil
}

// NewAnswer starts an answer: a new id such as "chatcmpl-1f3a…" (prefix
// "chatcmpl"), the object type, the time and the model.
func (s *Core) newAnswer(prefix, object string) answer {
	return answer{ID: fmt.Sprintf("%s-%016x", prefix, rand.Uint64()), Object: object, Created: time.Now().Unix(), Model: s.o.ModelName, SystemFingerprint: "herd"}
}
