package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDrain: after Drain the server still answers on its listener, but
// /ready says 503, a new POST gets 503, /health stays 200, and a stream
// already running goes on to its end.
func TestDrain(t *testing.T) {
	f := newFixture(t, emptyEngine, Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln, 30*time.Second) }()
	defer func() { cancel(); <-served }()
	url := "http://" + ln.Addr().String()
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
	resp, err := http.Post(url+"/v1/completions", "application/json",
		strings.NewReader(`{"prompt":"abc","max_tokens":200,"temperature":0,"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 16)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
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
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("running stream cut off by draining: %v", err)
	}
	if body := string(buf) + string(rest); !strings.HasSuffix(strings.TrimSpace(body), "data: [DONE]") {
		t.Fatalf("running stream did not finish: ...%s", body[max(0, len(body)-200):])
	}
}
