package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/herd-llm/herd/engine"
)

// apiError is an error in the OpenAI shape:
// {"error": {"message", "type", "param", "code"}}, sent with Status.
type apiError struct {
	Status  int     `json:"-"`
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func (e *apiError) Error() string { return e.Message }

func strp(s string) *string { return &s }

// badRequest is a 400 invalid_request_error, naming the offending parameter.
func badRequest(param, msg string) *apiError {
	e := &apiError{Status: http.StatusBadRequest, Message: msg, Type: "invalid_request_error"}
	if param != "" {
		e.Param = strp(param)
	}
	return e
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(map[string]*apiError{"error": e})
}

var (
	errNotFound = &apiError{Status: http.StatusNotFound, Message: "no such endpoint", Type: "invalid_request_error", Code: strp("not_found")}
	errAuth     = &apiError{Status: http.StatusUnauthorized, Message: "missing or invalid API key (send Authorization: Bearer KEY)", Type: "invalid_request_error", Code: strp("invalid_api_key")}
	errBusy     = &apiError{Status: http.StatusTooManyRequests, Message: "the server is at capacity: too many queued requests; retry later", Type: "server_error", Code: strp("rate_limit_exceeded")}
	errClosing  = &apiError{Status: http.StatusServiceUnavailable, Message: "the server is shutting down", Type: "server_error", Code: strp("unavailable")}
)

// engineError maps an engine failure to an API error.
func (s *Server) engineError(err error) *apiError {
	switch {
	case errors.Is(err, engine.ErrQueueFull):
		return errBusy
	case errors.Is(err, engine.ErrShuttingDown):
		return errClosing
	case errors.Is(err, engine.ErrInvalidRequest):
		return badRequest("prompt", strings.TrimPrefix(err.Error(), "engine: invalid request: "))
	}
	return &apiError{Status: http.StatusInternalServerError, Message: err.Error(), Type: "server_error"}
}
