package server

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/tensor"
)

// TestResponsesKeyAndMetrics: /v1/responses needs the API key like the other
// endpoints, counts in the request metrics under its own name, and its
// tokens in the token counters.
func TestResponsesKeyAndMetrics(t *testing.T) {
	inner := tinymodel.ByteModel(t, 0, 1)
	tok := byteTokenizer(t)
	sm := &scripted{tok: tok, inner: inner, reply: respReplies}
	o := engine.Options{Parallel: 2, Ctx: 2048, KVType: tensor.F32, PrefillChunk: 4096, QueueSize: 8}
	f := serve(t, sm, inner, tok, o, Options{ModelName: "scripted", APIKey: "k"})
	for _, tc := range []struct {
		hdr    []string
		status int
	}{
		{nil, 401},
		{[]string{"Authorization", "Bearer wrong"}, 401},
		{[]string{"Authorization", "Bearer k"}, 200},
	} {
		resp, b := post(t, f, "/v1/responses", `{"input":"Say hello"}`, tc.hdr...)
		if resp.StatusCode != tc.status {
			t.Fatalf("%v: status %d: %s", tc.hdr, resp.StatusCode, b)
		}
	}
	checkMetrics(t, f, "k", // /metrics needs the key too
		`herd_requests_total{endpoint="responses",status="200"} 1`, `herd_requests_total{endpoint="responses",status="401"} 2`)
}

// TestResponsesRefusedWithGuard: a server with a guard screens the chat and
// text completion shapes only, so it refuses /v1/responses rather than let
// requests through unscreened.
func TestResponsesRefusedWithGuard(t *testing.T) {
	f, eng := guardFixture(t, "ok", &fakeGuard{}, 0)
	resp, b := post(t, f, "/v1/responses", `{"input":"Say hello","stream":true}`)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "unsupported_with_guard") || len(eng.got) != 0 {
		t.Fatalf("status %d %s, %d engine requests", resp.StatusCode, b, len(eng.got))
	}
}

// TestMessagesRefusedWithGuard: the same for the Anthropic Messages API,
// whose count_tokens (which generates nothing) stays open.
func TestMessagesRefusedWithGuard(t *testing.T) {
	f, eng := guardFixture(t, "ok", &fakeGuard{}, 0)
	body := `{"model":"fake","max_tokens":8,"messages":[{"role":"user","content":"Say hello"}]}`
	for _, stream := range []string{"false", "true"} {
		resp, b := post(t, f, "/v1/messages", strings.Replace(body, "{", `{"stream":`+stream+`,`, 1))
		if resp.StatusCode != 400 || !strings.Contains(string(b), "Messages API is off") || len(eng.got) != 0 {
			t.Fatalf("stream %s: status %d %s, %d engine requests", stream, resp.StatusCode, b, len(eng.got))
		}
	}
	if resp, b := post(t, f, "/v1/messages/count_tokens", body); resp.StatusCode != 200 {
		t.Fatalf("count_tokens: status %d %s", resp.StatusCode, b)
	}
}

// checkMetrics fetches /metrics, with key as the bearer token unless it is
// empty, and checks that the page holds every line of want.
func checkMetrics(t *testing.T, f *fixture, key string, want ...string) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.ts.URL+"/metrics", nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, w := range want {
		if !strings.Contains(string(b), w) {
			t.Errorf("metrics lack %s:\n%s", w, b)
		}
	}
}
