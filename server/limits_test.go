package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/server/internal/core"
	"github.com/herd-llm/herd/tensor"
)

// get does a GET with optional header pairs and returns the status, the
// Allow header and the body.
func get(t testing.TB, url string, hdr ...string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Allow"), string(b)
}

// TestAuthSchemeAndMetricsKey: the Bearer scheme is case-insensitive, and
// /metrics takes MetricsKey when set, else the API key; probes stay open.
func TestAuthSchemeAndMetricsKey(t *testing.T) {
	for _, tc := range []struct {
		name          string
		o             Options
		path, auth    string
		method        string
		status        int
		wantInMetrics string
	}{
		{"lowercase bearer", Options{APIKey: "k"}, "/v1/models", "bearer k", "GET", 200, ""},
		{"uppercase BEARER", Options{APIKey: "k"}, "/v1/models", "BEARER k", "GET", 200, ""},
		{"extra spaces", Options{APIKey: "k"}, "/v1/models", "Bearer  k ", "GET", 200, ""},
		{"wrong key", Options{APIKey: "k"}, "/v1/models", "Bearer x", "GET", 401, ""},
		{"basic scheme", Options{APIKey: "k"}, "/v1/models", "Basic k", "GET", 401, ""},
		{"no scheme", Options{APIKey: "k"}, "/v1/models", "k", "GET", 401, ""},
		{"metrics open without keys", Options{}, "/metrics", "", "GET", 200, "herd_build_info"},
		{"metrics need the API key", Options{APIKey: "k"}, "/metrics", "", "GET", 401, ""},
		{"metrics take the API key", Options{APIKey: "k"}, "/metrics", "bearer k", "GET", 200, "herd_requests_total"},
		{"metrics key alone", Options{MetricsKey: "m"}, "/metrics", "Bearer m", "GET", 200, "herd_build_info"},
		{"metrics key refuses none", Options{MetricsKey: "m"}, "/metrics", "", "GET", 401, ""},
		{"metrics key over API key", Options{APIKey: "k", MetricsKey: "m"}, "/metrics", "Bearer k", "GET", 401, ""},
		{"metrics key with API key", Options{APIKey: "k", MetricsKey: "m"}, "/metrics", "Bearer m", "GET", 200, "herd_build_info"},
		{"health stays open", Options{APIKey: "k", MetricsKey: "m"}, "/health", "", "GET", 200, "ok"},
		{"ready stays open", Options{APIKey: "k", MetricsKey: "m"}, "/ready", "", "GET", 200, "ready"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := New(fakeConfig(t), byteTokenizer(t), &fakeEngine{}, tc.o)
			f := fakeServer(t, srv)
			var hdr []string
			if tc.auth != "" {
				hdr = []string{"Authorization", tc.auth}
			}
			status, _, body := get(t, f.ts.URL+tc.path, hdr...)
			if status != tc.status || !strings.Contains(body, tc.wantInMetrics) {
				t.Fatalf("status %d, want %d; body %.200q lacks %q", status, tc.status, body, tc.wantInMetrics)
			}
		})
	}
}

// TestMethodNotAllowed: a known path under the wrong method is a 405 with
// Allow; an unknown path is a 404; both are OpenAI-shaped errors.
func TestMethodNotAllowed(t *testing.T) {
	f := fakeServer(t, New(fakeConfig(t), byteTokenizer(t), &fakeEngine{}, Options{}))
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/v1/chat/completions", 405, "POST"},
		{"DELETE", "/v1/completions", 405, "POST"},
		{"POST", "/health", 405, "GET, HEAD"},
		{"POST", "/v1/models/x", 405, "GET, HEAD"},
		{"PUT", "/", 405, "GET, HEAD"},
		{"GET", "/v1/nope", 404, ""},
		{"POST", "/nope", 404, ""},
	} {
		req, _ := http.NewRequest(tc.method, f.ts.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Error *core.APIError `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("Allow") != tc.allow || e.Error == nil {
			t.Errorf("%s %s: %d Allow %q error %v; want %d Allow %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"), e.Error, tc.status, tc.allow)
		}
	}
}

// TestPromptByteBound: prompt text that cannot fit the context is refused
// before tokenizing, as a context_length_exceeded 400, and text within the
// byte bound still reaches the tokenizer (the bound is sound: it never
// refuses a prompt that could fit).
func TestPromptByteBound(t *testing.T) {
	srv := New(fakeConfig(t), byteTokenizer(t), &fakeEngine{reply: []int32{'k'}}, Options{MaxBody: 2 << 20})
	f := fakeServer(t, srv)
	ctx := srv.eng.Ctx()
	limit := ctx * srv.c.Span()
	if srv.c.Span() < len("<|begin_of_text|>") {
		t.Fatalf("token span %d is shorter than a special token's name", srv.c.Span())
	}
	for _, tc := range []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"completion far over", fmt.Sprintf(`{"prompt":%q}`, strings.Repeat("a", 1<<20)), 400, "context_length_exceeded"},
		{"completion one byte over", fmt.Sprintf(`{"prompt":%q}`, strings.Repeat("a", limit+1)), 400, "context_length_exceeded"},
		{"completion list over", fmt.Sprintf(`{"prompt":[%q]}`, strings.Repeat("a", limit+1)), 400, "context_length_exceeded"},
		// Within the byte bound, the tokenizer decides (one byte per token here).
		{"completion at the bound", fmt.Sprintf(`{"prompt":%q}`, strings.Repeat("a", limit)), 400, "context_length_exceeded"},
		{"completion fits", fmt.Sprintf(`{"prompt":%q,"max_tokens":1}`, strings.Repeat("a", ctx-2)), 200, ""},
		{"chat far over", fmt.Sprintf(`{"messages":[{"role":"user","content":%q}]}`, strings.Repeat("b", 1<<20)), 400, "context_length_exceeded"},
		{"chat fits", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":1}`, 200, ""},
		{"token ids over", fmt.Sprintf(`{"prompt":[%s1]}`, strings.Repeat("1,", ctx)), 400, "context_length_exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/v1/completions"
			if strings.Contains(tc.body, "messages") {
				path = "/v1/chat/completions"
			}
			resp, b := post(t, f, path, tc.body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.code) {
				t.Fatalf("status %d %.200s; want %d %s", resp.StatusCode, b, tc.status, tc.code)
			}
		})
	}
	for _, n := range []int{0, 1, limit - 1, limit} {
		if e := srv.c.CheckTextFits("prompt", n); e != nil {
			t.Errorf("checkTextFits(%d) refused: %v", n, e)
		}
	}
	if e := srv.c.CheckTextFits("prompt", limit+1); e == nil {
		t.Errorf("checkTextFits(%d) passed", limit+1)
	}
}

// TestEarly413: a body whose declared length is over the limit is refused
// before any of it is read: the server answers although the body never
// arrives.
func TestEarly413(t *testing.T) {
	srv := New(fakeConfig(t), byteTokenizer(t), &fakeEngine{}, Options{MaxBody: 1 << 10})
	f := fakeServer(t, srv)
	conn, err := net.Dial("tcp", f.ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", 1<<30)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	n, err := io.ReadAtLeast(conn, buf, 12)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 413") {
		t.Fatalf("answer %q, %v; want an immediate 413", buf[:n], err)
	}
}

// TestCapacityStatus: a request the engine cannot take whole is a 429
// before anything runs — streaming or not, and for n choices when fewer
// slots are free — and none of its choices computes a token.
func TestCapacityStatus(t *testing.T) {
	f := newFixture(t, engine.Options{Parallel: 1, Ctx: 512, KVType: tensor.F32, PrefillChunk: 64, QueueSize: 0}, Options{})
	for _, tc := range []struct {
		name, path, body string
	}{
		{"chat n=2, one slot", "/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"n":2,"max_tokens":300}`},
		{"completions n=2, one slot", "/v1/completions", `{"prompt":"hi","n":2,"max_tokens":300}`},
		{"stream n=2, one slot", "/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"n":2,"max_tokens":300,"stream":true}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.eng.Stats().StepTokens
			resp, b := post(t, f, tc.path, tc.body)
			if resp.StatusCode != 429 || resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(b), "rate_limit_exceeded") {
				t.Fatalf("status %d %q %s; want a 429 JSON error", resp.StatusCode, resp.Header.Get("Content-Type"), b)
			}
			if st := f.eng.Stats(); st.StepTokens != before || st.Waiting+st.Running != 0 {
				t.Fatalf("the refused request ran: %+v (step tokens before %d)", st, before)
			}
		})
	}
	// With the slot free, n=1 streams as before.
	resp, b := post(t, f, "/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":3,"stream":true}`)
	if resp.StatusCode != 200 || len(sseChunks(t, b)) == 0 {
		t.Fatalf("n=1 stream: %d %s", resp.StatusCode, b)
	}
	// A fake engine that refuses: a stream gets the 429 too, not a 200 with
	// an error event.
	srv := New(fakeConfig(t), byteTokenizer(t), &fakeEngine{err: engine.ErrQueueFull}, Options{})
	g := fakeServer(t, srv)
	resp, b = post(t, g, "/v1/completions", `{"prompt":"hi","stream":true}`)
	if resp.StatusCode != 429 {
		t.Fatalf("refused stream: %d %s", resp.StatusCode, b)
	}
}

// TestClientClosedStatus: a request whose client hangs up is counted as
// 499 (client closed) in the metrics, not as a server error.
func TestClientClosedStatus(t *testing.T) {
	f := newSlowFixture(t, 5*time.Millisecond, Options{})
	for i, tc := range []struct {
		endpoint, path, body string
	}{
		// Completions of "abc" run to max_tokens (chat may end early at <|eot|>).
		{"completions", "/v1/completions", `{"prompt":"abc","max_tokens":400,"temperature":0}`},
		{"completions", "/v1/completions", `{"prompt":"abc","max_tokens":400,"temperature":0,"stream":true}`},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond) // 40 steps of 400
		req, _ := http.NewRequestWithContext(ctx, "POST", f.ts.URL+tc.path, strings.NewReader(tc.body))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		cancel()
		want := fmt.Sprintf(`herd_requests_total{endpoint=%q,status="499"} %d`, tc.endpoint, i+1)
		var body string
		for i := 0; i < 100 && !strings.Contains(body, want); i++ {
			time.Sleep(20 * time.Millisecond)
			_, _, body = get(t, f.ts.URL+"/metrics")
		}
		if !strings.Contains(body, want) || strings.Contains(body, `status="500"`) {
			t.Errorf("%s: metrics lack %s or count a 500:\n%s", tc.endpoint, want, grepLines(body, "herd_requests_total"))
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// fakeServer serves srv (over a fake engine, say) on a test HTTP server.
func fakeServer(t testing.TB, srv *Server) *fixture {
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &fixture{srv: srv, ts: ts}
}

// slowModel is an engine.Model whose every forward pass takes at least
// delay, so tests can act in the middle of a generation; it counts passes.
type slowModel struct {
	engine.Model
	delay  time.Duration
	passes atomic.Int64
}

func (m *slowModel) ForwardBatch(seqs []llama4.Seq, hidden func(int, []float32)) ([][]float32, error) {
	m.passes.Add(1)
	time.Sleep(m.delay)
	return m.Model.ForwardBatch(seqs, hidden)
}

type slowFixture struct {
	*fixture
	model *slowModel
}

// newSlowFixture serves the tiny byte model with delay per forward pass.
func newSlowFixture(t testing.TB, delay time.Duration, so Options) *slowFixture {
	t.Helper()
	m := tinymodel.ByteModel(t, tensor.F32, 11)
	sm := &slowModel{Model: m, delay: delay}
	if so.ModelName == "" {
		so.ModelName = "tiny-test"
	}
	o := engine.Options{Parallel: 4, Ctx: 512, KVType: tensor.F32, PrefillChunk: 64, QueueSize: 32}
	return &slowFixture{fixture: serve(t, sm, m, byteTokenizer(t), o, so), model: sm}
}

// TestBodyBudget: request bodies held at once are bounded by BodyBudget: a
// body that would exceed it is a 429, and decoded bodies give their bytes
// back.
func TestBodyBudget(t *testing.T) {
	const size = 60 << 10
	srv := New(fakeConfig(t), byteTokenizer(t), &fakeEngine{reply: []int32{'k'}}, Options{MaxBody: 64 << 10, BodyBudget: 100 << 10})
	f := fakeServer(t, srv)
	body := fmt.Sprintf(`{"prompt":%q}`, strings.Repeat("a", size-20))
	request := func(c net.Conn, body string, stall bool) {
		fmt.Fprintf(c, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
		if stall {
			io.WriteString(c, body[:len(body)-1])
			return
		}
		io.WriteString(c, body)
	}
	status := func(c net.Conn) int {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	dial := func() net.Conn {
		c, err := net.Dial("tcp", f.ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	a := dial()
	request(a, body, true) // all but its last byte: held by the server
	for i := 0; i < 1000 && srv.bodies.inUse() < int64(len(body)-1); i++ {
		time.Sleep(time.Millisecond)
	}
	if got := srv.bodies.inUse(); got != int64(len(body)-1) {
		t.Fatalf("%d body bytes held, want %d", got, len(body)-1)
	}
	b := dial()
	request(b, body, false)
	if st := status(b); st != http.StatusTooManyRequests {
		t.Fatalf("a body over the budget: status %d, want 429", st)
	}
	io.WriteString(a, body[len(body)-1:])
	if st := status(a); st != http.StatusBadRequest { // decoded, then too long for the context
		t.Fatalf("the held body: status %d, want 400", st)
	}
	if got := srv.bodies.inUse(); got != 0 {
		t.Fatalf("%d body bytes still held after decoding", got)
	}
	c := dial()
	request(c, body, false)
	if st := status(c); st != http.StatusBadRequest {
		t.Fatalf("a body within the budget again: status %d, want 400", st)
	}
}
