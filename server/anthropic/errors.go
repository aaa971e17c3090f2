package anthropic

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/herd-llm/herd/server/internal/core"
)

// msgError is an error in the Anthropic shape:
// {"type": "error", "error": {"type", "message"}}.
type msgError struct {
	Type  string `json:"type"` // "error"
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// anthropicError converts an API error to the Anthropic shape: the type
// follows the status, and the message starts with the field at fault (as
// Anthropic's "messages.0.content.1: …"). A prompt longer than the context
// reads "prompt is too long: …", the words agents look for to compact their
// conversation.
func anthropicError(e *core.APIError) msgError {
	var m msgError
	m.Type = "error"
	m.Error.Type = anthropicErrorType(e.Status)
	msg := e.Message
	if e == core.ErrAuth {
		msg = "missing or invalid API key (send x-api-key: KEY or Authorization: Bearer KEY)"
	}
	if e.Param != nil {
		p := *e.Param // the chat request's field names, as the Messages API calls them
		switch {
		case p == "stop":
			p = "stop_sequences"
		case strings.HasPrefix(p, "response_format"):
			p = "output_config.format" + strings.TrimPrefix(strings.TrimPrefix(p, "response_format"), ".json_schema")
		}
		msg = p + ": " + msg
	}
	if e.Code != nil && *e.Code == "context_length_exceeded" {
		msg = "prompt is too long: " + msg
	}
	m.Error.Message = msg
	return m
}

// anthropicErrorType is the Anthropic error type of an HTTP status.
func anthropicErrorType(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case http.StatusServiceUnavailable, 529:
		return "overloaded_error"
	}
	if status >= 400 && status < 500 {
		return "invalid_request_error"
	}
	return "api_error"
}

// WriteError sends e in the Anthropic shape, with its status.
func WriteError(w http.ResponseWriter, e *core.APIError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(anthropicError(e))
}
