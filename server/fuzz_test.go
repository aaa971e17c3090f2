package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/server/internal/core"
)

// nopEngine answers every request with "ok" and remembers nothing, for
// fuzzing the request handling alone.
type nopEngine struct{}

func (nopEngine) Submit(_ context.Context, r *engine.Request) (*engine.Stream, error) {
	st := engine.NewStream()
	st.Push(engine.Event{Token: 'o'}, false)
	st.Push(engine.Event{Token: 'k'}, false)
	st.Push(engine.Event{Done: true, Finish: "length", Usage: engine.Usage{PromptTokens: len(r.Prompt), CompletionTokens: 2}}, true)
	return st, nil
}
func (nopEngine) Ctx() int            { return 256 }
func (nopEngine) Stats() engine.Stats { return engine.Stats{} }
func (nopEngine) Shutdown()           {}

// fuzzServer serves nopEngine with the byte tokenizer.
func fuzzServer(f *testing.F) *Server {
	return New(fakeConfig(f), byteTokenizer(f), nopEngine{}, Options{ModelName: "fuzz", MaxBody: 1 << 20})
}

// fuzzRequest sends body to path and checks that the answer is well formed:
// a 200 (JSON, or SSE ending in [DONE] for streams) or a 4xx OpenAI error —
// hostile input is never a server error, a panic or a hang.
func fuzzRequest(t *testing.T, srv *Server, path string, body []byte) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	srv.Handler().ServeHTTP(rec, req)
	out := rec.Body.Bytes()
	switch {
	case rec.Code == 200 && rec.Header().Get("Content-Type") == "text/event-stream":
		if !bytes.HasSuffix(out, []byte("data: [DONE]\n\n")) {
			t.Fatalf("stream does not end with [DONE]: %q", out)
		}
	case rec.Code == 200:
		if !json.Valid(out) {
			t.Fatalf("200 with invalid JSON: %q", out)
		}
	case rec.Code >= 400 && rec.Code < 500:
		var e struct {
			Error *core.APIError `json:"error"`
		}
		if err := json.Unmarshal(out, &e); err != nil || e.Error == nil || e.Error.Message == "" {
			t.Fatalf("status %d without an OpenAI error: %q", rec.Code, out)
		}
	default:
		t.Fatalf("status %d for %q: %q", rec.Code, body, out)
	}
}

// FuzzChatRequest fuzzes POST /v1/chat/completions bodies: messages and
// content parts, data URLs, stop lists, tools and tool_choice,
// response_format, n and the sampling fields.
func FuzzChatRequest(f *testing.F) {
	for _, s := range []string{
		`{"messages":[{"role":"user","content":"hi"}],"max_tokens":2}`,
		`{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}`,
		`{"messages":[{"role":"user","content":"x"}],"stop":["a","bb"],"n":2,"stream":true,"stream_options":{"include_usage":true}}`,
		`{"messages":[{"role":"user","content":"x"}],"stop":"\n","seed":-1,"temperature":0,"top_p":0.5,"top_k":3,"min_p":0.1}`,
		`{"messages":[{"role":"user","content":"w"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"integer"}}}}}],"tool_choice":"required"}`,
		`{"messages":[{"role":"user","content":"w"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"f"}},"max_tokens":3}`,
		`{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"1","content":"3"}]}`,
		`{"messages":[{"role":"user","content":"j"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","properties":{"n":{"type":"number"}},"required":["n"]}}}}`,
		`{"messages":[{"role":"user","content":"j"}],"response_format":{"type":"json_object"},"logprobs":true,"top_logprobs":2}`,
		`{"messages":[{"role":"bogus","content":1}],"n":0,"max_tokens":-1}`,
		`{"messages":[]}`, `[]`, `{`, `null`,
	} {
		f.Add([]byte(s))
	}
	srv := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) { fuzzRequest(t, srv, "/v1/chat/completions", body) })
}

// FuzzCompletionRequest fuzzes POST /v1/completions bodies: string, list
// and token-id prompts, stop lists, logprobs, echo, n and streaming.
func FuzzCompletionRequest(f *testing.F) {
	for _, s := range []string{
		`{"prompt":"Once upon","max_tokens":2}`,
		`{"prompt":["one"],"stop":["x"],"echo":true,"logprobs":2}`,
		`{"prompt":[1,2,3,999999],"n":3,"stream":true}`,
		`{"prompt":[-1],"stream":true,"stream_options":{"include_usage":true}}`,
		`{"prompt":"<|eot|>","stop":"","frequency_penalty":2,"presence_penalty":-2,"repetition_penalty":1.1}`,
		`{"prompt":[],"max_tokens":0}`, `{"prompt":null}`, `{"prompt":["a","b"]}`, `{"prompt":1e400}`,
	} {
		f.Add([]byte(s))
	}
	srv := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) { fuzzRequest(t, srv, "/v1/completions", body) })
}
