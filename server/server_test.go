package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/herd-llm/herd/server/internal/core"
)

func post(t testing.TB, f *fixture, path, body string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b
}

// sseChunks parses an SSE body into its JSON payloads, checking it ends with [DONE].
func sseChunks(t testing.TB, body []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	done := false
	for sc.Scan() {
		line := sc.Text()
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			done = true
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			t.Fatalf("bad chunk %q: %v", data, err)
		}
		out = append(out, m)
	}
	if !done {
		t.Fatalf("stream did not end with [DONE]: %s", body)
	}
	return out
}

func chatContent(t testing.TB, b []byte) (string, string, map[string]any) {
	t.Helper()
	var r struct {
		Choices []struct {
			Message struct {
				Content *string `json:"content"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
		Usage map[string]any `json:"usage"`
	}
	if err := json.Unmarshal(b, &r); err != nil || len(r.Choices) == 0 {
		t.Fatalf("bad response %s: %v", b, err)
	}
	c := ""
	if r.Choices[0].Message.Content != nil {
		c = *r.Choices[0].Message.Content
	}
	return c, r.Choices[0].FinishReason, r.Usage
}

func TestChatNonStreamingAndStreamingAgree(t *testing.T) {
	f := newFixture(t, emptyEngine, Options{})
	body := `{"model":"tiny-test","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello there"}],"max_tokens":24,"temperature":0}`
	resp, b := post(t, f, "/v1/chat/completions", body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	content, finish, u := chatContent(t, b)
	if finish != "length" && finish != "stop" {
		t.Fatalf("finish %q", finish)
	}
	if u["prompt_tokens"].(float64) <= 0 || u["completion_tokens"].(float64) <= 0 {
		t.Fatalf("usage %v", u)
	}
	sbody := strings.Replace(body, `"temperature":0`, `"temperature":0,"stream":true,"stream_options":{"include_usage":true}`, 1)
	resp, b = post(t, f, "/v1/chat/completions", sbody)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream status %d type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var streamed strings.Builder
	var sawUsage, sawFinish bool
	for _, c := range sseChunks(t, b) {
		if c["object"] != "chat.completion.chunk" {
			t.Fatalf("chunk object %v", c["object"])
		}
		if c["usage"] != nil {
			sawUsage = true
		}
		for _, ch := range c["choices"].([]any) {
			ch := ch.(map[string]any)
			if d, ok := ch["delta"].(map[string]any); ok {
				if s, ok := d["content"].(string); ok {
					streamed.WriteString(s)
				}
			}
			if ch["finish_reason"] != nil {
				sawFinish = true
			}
		}
	}
	if streamed.String() != content {
		t.Fatalf("streamed %q, non-streamed %q", streamed.String(), content)
	}
	if !sawUsage || !sawFinish {
		t.Fatalf("usage chunk %v, finish chunk %v", sawUsage, sawFinish)
	}
}

func TestCompletionsStopAndN(t *testing.T) {
	f := newFixture(t, emptyEngine, Options{})
	resp, b := post(t, f, "/v1/completions", `{"prompt":"Once upon","max_tokens":30,"temperature":0}`)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var r struct {
		Choices []struct {
			Index        int     `json:"index"`
			Text         string  `json:"text"`
			FinishReason *string `json:"finish_reason"`
			Logprobs     *struct {
				TokenLogprobs []float32            `json:"token_logprobs"`
				TopLogprobs   []map[string]float32 `json:"top_logprobs"`
			} `json:"logprobs"`
		} `json:"choices"`
		Usage core.Usage `json:"usage"`
	}
	json.Unmarshal(b, &r)
	full := r.Choices[0].Text
	if len([]rune(full)) < 3 {
		t.Skipf("model produced too little text to test stop strings: %q", full)
	}
	// Stop on a substring taken from the greedy output: the text must end right before it.
	rs := []rune(full)
	stop := string(rs[len(rs)/2 : len(rs)/2+1])
	idx := strings.Index(full, stop)
	body := fmt.Sprintf(`{"prompt":"Once upon","max_tokens":30,"temperature":0,"stop":%q}`, stop)
	_, b = post(t, f, "/v1/completions", body)
	json.Unmarshal(b, &r)
	if r.Choices[0].Text != full[:idx] || *r.Choices[0].FinishReason != "stop" {
		t.Fatalf("with stop %q: %q (finish %v), want %q", stop, r.Choices[0].Text, *r.Choices[0].FinishReason, full[:idx])
	}
	// n = 3 with sampling gives 3 choices, indexed.
	_, b = post(t, f, "/v1/completions", `{"prompt":"abc","max_tokens":5,"n":3,"seed":1,"logprobs":2}`)
	json.Unmarshal(b, &r)
	if len(r.Choices) != 3 || r.Usage.CompletionTokens != 15 {
		t.Fatalf("n=3: %s", b)
	}
	for i, c := range r.Choices {
		if c.Index != i || c.Logprobs == nil || len(c.Logprobs.TokenLogprobs) != 5 || len(c.Logprobs.TopLogprobs[0]) != 2 {
			t.Fatalf("choice %d: %+v", i, c)
		}
	}
}

func TestErrors(t *testing.T) {
	f := newFixture(t, emptyEngine, Options{})
	long := strings.Repeat("x", 600)
	for _, tc := range []struct {
		path, body string
		status     int
		param      string
	}{
		{"/v1/chat/completions", `{"messages":`, 400, ""},
		{"/v1/chat/completions", `{"model":"gpt-9","messages":[{"role":"user","content":"hi"}]}`, 404, "model"},
		{"/v1/chat/completions", `{"messages":[]}`, 400, "messages"},
		{"/v1/chat/completions", `{"messages":[{"role":"wizard","content":"hi"}]}`, 400, "messages[0].role"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":[{"type":"audio","text":"x"}]}]}`, 400, "messages[0].content[0].type"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":0}`, 400, "max_tokens"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"n":99}`, 400, "n"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"temperature":"hot"}`, 400, "temperature"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"` + long + `"}]}`, 400, "messages"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"yaml"}}`, 400, "response_format.type"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"string","pattern":"(a)\\1"}}}}`, 400, "response_format.json_schema.schema"},
		{"/v1/completions", `{"prompt":[1,2,99999]}`, 400, "prompt"},
		{"/v1/completions", `{"max_tokens":3}`, 400, "prompt"},
		{"/v1/nope", `{}`, 404, ""},
	} {
		resp, b := post(t, f, tc.path, tc.body)
		var e struct {
			Error core.APIError `json:"error"`
		}
		if err := json.Unmarshal(b, &e); err != nil || e.Error.Message == "" {
			t.Errorf("%s %s: not an OpenAI error: %s", tc.path, tc.body[:min(len(tc.body), 60)], b)
			continue
		}
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.body[:min(len(tc.body), 60)], resp.StatusCode, tc.status, e.Error.Message)
		}
		if tc.param != "" && (e.Error.Param == nil || *e.Error.Param != tc.param) {
			t.Errorf("%s: param %v, want %q (%s)", tc.body[:min(len(tc.body), 60)], e.Error.Param, tc.param, e.Error.Message)
		}
	}
}

func TestAuthHealthMetricsPage(t *testing.T) {
	f := newFixture(t, emptyEngine, Options{APIKey: "sekret"})
	resp, _ := post(t, f, "/v1/completions", `{"prompt":"a","max_tokens":1}`)
	if resp.StatusCode != 401 {
		t.Fatalf("no key: status %d", resp.StatusCode)
	}
	resp, _ = post(t, f, "/v1/completions", `{"prompt":"a","max_tokens":1}`, "Authorization", "Bearer sekret")
	if resp.StatusCode != 200 {
		t.Fatalf("with key: status %d", resp.StatusCode)
	}
	for path, want := range map[string]string{
		"/health": "ok", "/ready": "ready", "/": "<title>herd</title>",
	} {
		r, err := http.Get(f.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d %q", path, r.StatusCode, b[:min(len(b), 200)])
		}
	}
	if r, _ := http.Get(f.ts.URL + "/metrics"); r.StatusCode != 401 {
		t.Errorf("GET /metrics without the key: status %d, want 401", r.StatusCode)
	}
	req, _ := http.NewRequest("GET", f.ts.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer sekret")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	for _, m := range []string{"herd_requests_total{endpoint=\"completions\",status=\"200\"} 1", "herd_time_to_first_token_seconds_count 1", "vllm:kv_cache_usage_perc",
		"vllm:num_requests_waiting{model_name=\"tiny-test\"} 0"} {
		if !strings.Contains(string(b), m) {
			t.Errorf("metrics lack %q", m)
		}
	}
}

// TestConcurrentGreedyStreams: 16 concurrent greedy streams each produce
// exactly what the request produces alone.
func TestConcurrentGreedyStreams(t *testing.T) {
	f := newFixture(t, emptyEngine, Options{})
	prompts := make([]string, 16)
	alone := make([]string, 16)
	for i := range prompts {
		prompts[i] = fmt.Sprintf(`{"messages":[{"role":"user","content":"Question number %d?"}],"max_tokens":12,"temperature":0}`, i)
		_, b := post(t, f, "/v1/chat/completions", prompts[i])
		alone[i], _, _ = chatContent(t, b)
	}
	var wg sync.WaitGroup
	got := make([]string, 16)
	for i := range prompts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, b := post(t, f, "/v1/chat/completions", strings.Replace(prompts[i], `"temperature":0`, `"temperature":0,"stream":true`, 1))
			var sb strings.Builder
			for _, c := range sseChunks(t, b) {
				for _, ch := range c["choices"].([]any) {
					if d, ok := ch.(map[string]any)["delta"].(map[string]any); ok {
						if s, ok := d["content"].(string); ok {
							sb.WriteString(s)
						}
					}
				}
			}
			got[i] = sb.String()
		}()
	}
	wg.Wait()
	for i := range got {
		if got[i] != alone[i] {
			t.Errorf("stream %d under load: %q, alone: %q", i, got[i], alone[i])
		}
	}
}
