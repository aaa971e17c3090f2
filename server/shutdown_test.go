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

// TestGracefulShutdown: when the serve context ends (SIGTERM in herd serve),
// a stream already running finishes completely, and the server then stops.
func TestGracefulShutdown(t *testing.T) {
	f := newFixture(t, emptyEngine, Options{})
	url, cancel, served := serveCancelable(t, f.srv)
	resp, head := startLongStream(t, url)
	cancel() // like SIGTERM, while the stream is running
	body := finishStream(t, "shutdown", resp, head)
	if !strings.Contains(body, `"finish_reason":"length"`) {
		t.Fatalf("stream did not finish cleanly: ...%s", body[max(0, len(body)-200):])
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}
	if _, err := http.Get(url + "/health"); err == nil {
		t.Fatal("server still accepts connections after shutdown")
	}
}

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

// serveCancelable runs srv with Serve (30 s shutdown grace) on a loopback
// listener until cancel is called; served then receives Serve's result.
func serveCancelable(t *testing.T, srv *Server) (url string, cancel context.CancelFunc, served <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, 30*time.Second) }()
	return "http://" + ln.Addr().String(), cancel, done
}

// startLongStream starts a 200-token greedy completion stream on the server
// at url and reads its first 16 bytes (head), so the stream is running.
func startLongStream(t *testing.T, url string) (resp *http.Response, head []byte) {
	t.Helper()
	resp, err := http.Post(url+"/v1/completions", "application/json",
		strings.NewReader(`{"prompt":"abc","max_tokens":200,"temperature":0,"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	head = make([]byte, 16)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatal(err)
	}
	return resp, head
}

// finishStream reads the rest of a stream that startLongStream began and
// fails the test unless it ends with data: [DONE] after what happened
// meanwhile (draining, shutdown); it returns the whole body.
func finishStream(t *testing.T, what string, resp *http.Response, head []byte) string {
	t.Helper()
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("running stream cut off by %s: %v", what, err)
	}
	body := string(head) + string(rest)
	if !strings.HasSuffix(strings.TrimSpace(body), "data: [DONE]") {
		t.Fatalf("running stream did not finish after %s: ...%s", what, body[max(0, len(body)-200):])
	}
	return body
}
