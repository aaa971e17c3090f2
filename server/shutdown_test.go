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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln, 30*time.Second) }()
	url := "http://" + ln.Addr().String()

	resp, err := http.Post(url+"/v1/completions", "application/json",
		strings.NewReader(`{"prompt":"abc","max_tokens":200,"temperature":0,"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	cancel() // like SIGTERM, while the stream is running
	rest, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("stream cut off by shutdown: %v", err)
	}
	body := string(buf) + string(rest)
	if !strings.HasSuffix(strings.TrimSpace(body), "data: [DONE]") || !strings.Contains(body, `"finish_reason":"length"`) {
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
