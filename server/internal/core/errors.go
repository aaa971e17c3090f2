package core

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/herd-llm/herd/engine"
)

// APIError is an error in the OpenAI shape:
// {"error": {"message", "type", "param", "code"}}, sent with Status.
type APIError struct {
	Status  int     `json:"-"`
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func (e *APIError) Error() string { return e.Message }

func Strp(s string) *string { return &s }

// BadRequest is a 400 invalid_request_error, naming the offending parameter.
func BadRequest(param, msg string) *APIError {
	e := &APIError{Status: http.StatusBadRequest, Message: msg, Type: "invalid_request_error"}
	if param != "" {
		e.Param = Strp(param)
	}
	return e
}

func WriteError(w http.ResponseWriter, e *APIError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(map[string]*APIError{"error": e})
}

var (
	ErrNotFound = &APIError{Status: http.StatusNotFound, Message: "no such endpoint", Type: "invalid_request_error", Code: Strp("not_found")}
	ErrAuth     = &APIError{Status: http.StatusUnauthorized, Message: "missing or invalid API key (send Authorization: Bearer KEY)", Type: "invalid_request_error", Code: Strp("invalid_api_key")}
	errBusy     = &APIError{Status: http.StatusTooManyRequests, Message: "the server is at capacity: too many queued requests; retry later", Type: "server_error", Code: Strp("rate_limit_exceeded")}
	ErrClosing  = &APIError{Status: http.StatusServiceUnavailable, Message: "the server is shutting down", Type: "server_error", Code: Strp("unavailable")}
)

// EngineError maps an engine failure to an API error.
func (s *Core) EngineError(err error) *APIError {
	switch {
	case errors.Is(err, engine.ErrQueueFull):
		return errBusy
	case errors.Is(err, engine.ErrShuttingDown):
		return ErrClosing
	case errors.Is(err, engine.ErrInvalidRequest):
		return BadRequest("prompt", strings.TrimPrefix(err.Error(), "engine: invalid request: "))
	}
	return &APIError{Status: http.StatusInternalServerError, Message: err.Error(), Type: "server_error"}
}
