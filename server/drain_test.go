package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestDrain: after Drain the server still answers on its listener, but
// /ready says 503, a new POST gets 503, /health stays 200, and a stream
// already running goes on to its end.
func TestDrain(t *testing.T) {
	f := newFixture(t, emptyEngine, Options{})
	url, cancel, served := serveCancelable(t, f.srv)
	defer func() { cancel(); <-served }()
	status := func(method, path, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status("GET", "/ready", ""); got != http.StatusOK {
		t.Fatalf("/ready before draining: %d", got)
	}
	resp, head := startLongStream(t, url)
	f.srv.Drain()
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/ready", "", http.StatusServiceUnavailable},
		{"GET", "/health", "", http.StatusOK},
		{"POST", "/v1/completions", `{"prompt":"x","max_tokens":1}`, http.StatusServiceUnavailable},
	} {
		if got := status(c.method, c.path, c.body); got != c.want {
			t.Errorf("%s %s while draining: %d, want %d", c.method, c.path, got, c.want)
		}
	}
	finishStream(t, "draining", resp, head)
}
