package hub

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Errors that HTTPError wraps, for errors.Is.
var (
	// ErrNotFound: the repository, revision or file does not exist (or is
	// private and not visible with the token sent).
	ErrNotFound = errors.New("not found")
	// ErrAccess: the hub refused access (401/403): a private or gated
	// repository without a token that may read it.
	ErrAccess = errors.New("access denied")
)

// HTTPError is a hub response with an error status.
type HTTPError struct {
	Status    int    // HTTP status code
	Code      string // the hub's X-Error-Code (RepoNotFound, EntryNotFound, RevisionNotFound, GatedRepo) or ""
	Message   string // the hub's X-Error-Message, or the start of the body
	What      string // what was asked for, e.g. "repository org/name" or "org/name/config.json"
	TokenSent bool   // whether an Authorization header was sent
}

// Error explains the failure and what to do about it.
func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d", e.What, e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, " (%s)", e.Message)
	}
	switch {
	case e.Code == "GatedRepo":
		b.WriteString(": a gated repository: accept its conditions on its hub page, then set HF_TOKEN to an access token of that account")
		if e.TokenSent {
			b.WriteString(" (HF_TOKEN was sent but has no access yet)")
		}
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		if e.TokenSent {
			b.WriteString(": HF_TOKEN was sent but the hub refused it: check the token and that it may read this repository")
		} else {
			b.WriteString(": the repository is private, gated or does not exist; set HF_TOKEN to a Hugging Face access token (or run `huggingface-cli login`) if it is private or gated")
		}
	case e.Code == "RevisionNotFound":
		b.WriteString(": no such revision")
	case e.Status == http.StatusNotFound && e.Code == "RepoNotFound" && e.TokenSent:
		b.WriteString(": not found (or private, and HF_TOKEN may not read it)")
	case e.Status == http.StatusNotFound:
		b.WriteString(": not found")
	}
	return b.String()
}

// Unwrap maps the status to ErrNotFound or ErrAccess.
func (e *HTTPError) Unwrap() error {
	switch {
	case e.Code == "GatedRepo" || e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return ErrAccess
	case e.Status == http.StatusNotFound || strings.HasSuffix(e.Code, "NotFound"):
		return ErrNotFound
	}
	return nil
}

// maxErrorText bounds the message taken from an error response.
const maxErrorText = 300

// responseError builds the HTTPError of resp (whose body it reads, bounded,
// but does not close).
func responseError(resp *http.Response, what string) *HTTPError {
	e := &HTTPError{
		Status:    resp.StatusCode,
		Code:      clip(resp.Header.Get("X-Error-Code")),
		Message:   clip(resp.Header.Get("X-Error-Message")),
		What:      what,
		TokenSent: resp.Request != nil && resp.Request.Header.Get("Authorization") != "",
	}
	if e.Message == "" {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorText))
		if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/plain") || strings.HasPrefix(ct, "application/json") {
			e.Message = clip(string(b))
		}
	}
	return e
}

// clip trims s to one printable line of at most maxErrorText bytes.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) > maxErrorText {
		s = strings.ToValidUTF8(s[:maxErrorText], "") + "…"
	}
	return s
}
