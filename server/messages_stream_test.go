package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/server/internal/core"
)

// msgSSE is one event of a raw Messages stream.
type msgSSE struct {
	name string
	data map[string]any
}

// msgEvents parses a Messages stream: every event is "event: NAME" then
// "data: JSON" whose type is NAME, and there is no [DONE].
func msgEvents(t *testing.T, body []byte) []msgSSE {
	t.Helper()
	var out []msgSSE
	for _, ev := range strings.Split(strings.TrimSpace(string(body)), "\n\n") {
		name, data, ok := strings.Cut(ev, "\n")
		name, ok1 := strings.CutPrefix(name, "event: ")
		data, ok2 := strings.CutPrefix(data, "data: ")
		if !ok || !ok1 || !ok2 || strings.Contains(data, "\n") {
			t.Fatalf("malformed event %q in %s", ev, body)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(data), &m); err != nil || m["type"] != name {
			t.Fatalf("event %s: data %s (%v)", name, data, err)
		}
		out = append(out, msgSSE{name, m})
	}
	return out
}

// msgSeen is an answer as a client sees it: its blocks (text, or
// "tool_use name input"), stop_reason and stop_sequence.
type msgSeen struct {
	blocks []string
	stop   string
	seq    any
}

func (m msgSeen) String() string { return fmt.Sprintf("%q stop %s %v", m.blocks, m.stop, m.seq) }

// seenMessage reads a non-streamed answer.
func seenMessage(t *testing.T, body []byte) msgSeen {
	t.Helper()
	var r struct {
		Type, Role   string
		Content      []map[string]any
		StopReason   string `json:"stop_reason"`
		StopSequence any    `json:"stop_sequence"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Type != "message" || r.Role != "assistant" || r.Content == nil {
		t.Fatalf("bad message %s: %v", body, err)
	}
	s := msgSeen{stop: r.StopReason, seq: r.StopSequence}
	for _, b := range r.Content {
		s.blocks = append(s.blocks, blockString(t, b))
	}
	return s
}

func blockString(t *testing.T, b map[string]any) string {
	t.Helper()
	switch b["type"] {
	case "text":
		return b["text"].(string)
	case "tool_use":
		if !strings.HasPrefix(b["id"].(string), "toolu_") {
			t.Fatalf("tool_use id %v", b["id"])
		}
		return fmt.Sprintf("tool_use %s %s", b["name"], core.MustJSON(b["input"]))
	}
	t.Fatalf("unknown block %v", b)
	return ""
}

// seenStream checks the event sequence of a stream and puts its answer
// together: message_start, ping, each block's start, deltas and stop in
// index order, message_delta, message_stop.
func seenStream(t *testing.T, body []byte) msgSeen {
	t.Helper()
	evs := msgEvents(t, body)
	names := make([]string, len(evs))
	for i, e := range evs {
		names[i] = e.name
	}
	n := len(evs)
	if n < 4 || names[0] != "message_start" || names[1] != "ping" || names[n-2] != "message_delta" || names[n-1] != "message_stop" {
		t.Fatalf("event sequence %v", names)
	}
	start := evs[0].data["message"].(map[string]any)
	if start["stop_reason"] != nil || len(start["content"].([]any)) != 0 || !strings.HasPrefix(start["id"].(string), "msg_") {
		t.Fatalf("message_start %v", start)
	}
	var s msgSeen
	var cur map[string]any // the open block
	var input strings.Builder
	for i, e := range evs[2 : n-2] {
		idx, _ := e.data["index"].(float64)
		switch {
		case e.name == "content_block_start" && cur == nil && int(idx) == len(s.blocks):
			cur = e.data["content_block"].(map[string]any)
			if cur["type"] == "text" && cur["text"] != "" || cur["type"] == "tool_use" && len(cur["input"].(map[string]any)) != 0 {
				t.Fatalf("block starts with content: %v", cur)
			}
			input.Reset()
		case e.name == "content_block_delta" && cur != nil && int(idx) == len(s.blocks):
			d := e.data["delta"].(map[string]any)
			switch {
			case d["type"] == "text_delta" && cur["type"] == "text":
				cur["text"] = cur["text"].(string) + d["text"].(string)
			case d["type"] == "input_json_delta" && cur["type"] == "tool_use":
				input.WriteString(d["partial_json"].(string))
			default:
				t.Fatalf("delta %v in block %v", d, cur)
			}
		case e.name == "content_block_stop" && cur != nil && int(idx) == len(s.blocks):
			if cur["type"] == "tool_use" {
				var in any
				if err := json.Unmarshal([]byte(input.String()), &in); err != nil {
					t.Fatalf("tool input %q: %v", input.String(), err)
				}
				cur["input"] = in
			}
			s.blocks = append(s.blocks, blockString(t, cur))
			cur = nil
		default:
			t.Fatalf("event %d %s %v out of order in %v", i+2, e.name, e.data, names)
		}
	}
	if cur != nil {
		t.Fatalf("block never stopped: %v", names)
	}
	d := evs[n-2].data
	delta := d["delta"].(map[string]any)
	s.stop, s.seq = delta["stop_reason"].(string), delta["stop_sequence"]
	if u, ok := d["usage"].(map[string]any); !ok || u["output_tokens"].(float64) == 0 {
		t.Fatalf("message_delta usage %v", d["usage"])
	}
	return s
}

// TestMessagesStreamEvents: the scripted model's answers (text, stop
// sequences, the token limit, tool calls chosen and forced, structured
// output) as event sequences, and the same answers not streamed.
func TestMessagesStreamEvents(t *testing.T) {
	f := newScripted(t, replies)
	const weather = `"tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string"}}}},` +
		`{"name":"get_time","input_schema":{"type":"object","properties":{"zone":{"type":"string"}}}}]`
	user := func(s string) string { return `"messages":[{"role":"user","content":"` + s + `"}]` }
	for _, tc := range []struct {
		name, fields string
		want         msgSeen
	}{
		{"text", user("hi"), msgSeen{[]string{"Hello from herd. The answer is 42."}, "end_turn", nil}},
		{"stop_sequence", user("hi") + `,"stop_sequences":["answer","zzz"]`, msgSeen{[]string{"Hello from herd. The "}, "stop_sequence", "answer"}},
		{"max_tokens", user("hi") + `,"max_tokens":5`, msgSeen{[]string{"Hello"}, "max_tokens", nil}},
		{"tool_use", user("weather in Paris") + "," + weather, msgSeen{[]string{`tool_use get_weather {"city":"Paris","unit":"celsius"}`}, "tool_use", nil}},
		{"two tool_use", user("two tools") + "," + weather, msgSeen{[]string{`tool_use get_time {"zone":"UTC"}`, `tool_use get_weather {"city":"Oslo"}`}, "tool_use", nil}},
		{"forced", user("weather in Paris") + "," + weather + `,"tool_choice":{"type":"tool","name":"get_weather"}`,
			msgSeen{[]string{`tool_use get_weather {"city":"Paris","unit":"celsius"}`}, "tool_use", nil}},
		{"forced cut", user("weather in Paris") + "," + weather + `,"tool_choice":{"type":"any"},"max_tokens":6`, msgSeen{nil, "max_tokens", nil}},
		// With tool_choice none, what the model writes is text, even a call.
		{"tool_choice none", user("weather in Paris") + "," + weather + `,"tool_choice":{"type":"none"}`,
			msgSeen{[]string{`{"name": "get_weather", "parameters": {"city": "Paris", "unit": "celsius"}}`}, "end_turn", nil}},
		{"output_config", user("json please") + `,"output_config":{"format":{"type":"json_schema","schema":{"type":"object","properties":{"answer":{"type":"integer"},"ok":{"type":"boolean"}},"required":["answer","ok"],"additionalProperties":false}}}`,
			msgSeen{[]string{`{"answer": 42, "ok": true}`}, "end_turn", nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"model":"scripted","max_tokens":200,"temperature":0,` + tc.fields + `}`
			if strings.Contains(tc.fields, `"max_tokens"`) {
				body = `{"model":"scripted","temperature":0,` + tc.fields + `}`
			}
			resp, b := post(t, f, "/v1/messages", body)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			if got := seenMessage(t, b); got.String() != tc.want.String() {
				t.Errorf("not streamed: %v, want %v", got, tc.want)
			}
			resp, b = post(t, f, "/v1/messages", strings.Replace(body, "{", `{"stream":true,`, 1))
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("stream status %d: %s", resp.StatusCode, b)
			}
			if got := seenStream(t, b); got.String() != tc.want.String() {
				t.Errorf("streamed: %v, want %v\n%s", got, tc.want, b)
			}
		})
	}
}

// failingEngine answers one token, then fails.
type failingEngine struct{ fakeEngine }

func (f *failingEngine) Submit(_ context.Context, r *engine.Request) (*engine.Stream, error) {
	st := engine.NewStream()
	st.Push(engine.Event{Token: 'o'}, false)
	st.Push(engine.Event{Done: true, Err: errors.New("kernel exploded")}, true)
	return st, nil
}

// TestMessagesStreamError: a request the engine refuses at once is
// answered with its status, streamed or not (clients retry 429s); a failure
// after the stream started is an error event, and the stream ends there.
func TestMessagesStreamError(t *testing.T) {
	cfg, err := checkpoint.PresetConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg.EOS = []int{257}
	serveFake := func(eng Engine) *fixture {
		ts := httptest.NewServer(New(cfg, byteTokenizer(t), eng, Options{ModelName: "fake"}).Handler())
		t.Cleanup(ts.Close)
		return &fixture{ts: ts}
	}
	for _, tc := range []struct {
		err    error
		status int
		typ    string
	}{
		{engine.ErrQueueFull, 429, "rate_limit_error"},
		{engine.ErrShuttingDown, 503, "overloaded_error"},
		{fmt.Errorf("%w: prompt token 9999 out of range", engine.ErrInvalidRequest), 400, "invalid_request_error"},
	} {
		f := serveFake(&fakeEngine{err: tc.err})
		for _, stream := range []bool{false, true} {
			resp, b := post(t, f, "/v1/messages", fmt.Sprintf(`{"max_tokens":5,"stream":%v,"messages":[{"role":"user","content":"hi"}]}`, stream))
			if resp.StatusCode != tc.status {
				t.Fatalf("%v, stream %v: status %d: %s", tc.err, stream, resp.StatusCode, b)
			}
			checkMsgError(t, b, tc.typ, "")
		}
	}

	f := serveFake(&failingEngine{})
	resp, b := post(t, f, "/v1/messages", `{"max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	evs := msgEvents(t, b)
	names := make([]string, len(evs))
	for i, e := range evs {
		names[i] = e.name
	}
	if !slices.Equal(names, []string{"message_start", "ping", "content_block_start", "content_block_delta", "error"}) {
		t.Fatalf("events %v", names)
	}
	if e := evs[4].data["error"].(map[string]any); e["type"] != "api_error" || e["message"] != "kernel exploded" {
		t.Fatalf("error event %v", evs[4].data)
	}
}
