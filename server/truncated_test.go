package server

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/server/internal/core"
	"github.com/herd-llm/herd/tensor"
)

// TestConstrainedCutByLength: a forced tool call or a JSON answer that
// max_tokens ends before its grammar accepts it answers finish_reason
// "length" for every choice: not streamed with content null and no tool
// calls; streamed, the output went out as it came (as OpenAI streams it), so
// a JSON answer's deltas hold the cut value, and a forced call never leaks
// into content. The same requests with room to finish still answer.
func TestConstrainedCutByLength(t *testing.T) {
	// The byte-level test tokenizer makes the rendered tool definitions long.
	f := newFixture(t, engine.Options{Parallel: 2, Ctx: 2048, KVType: tensor.F32, PrefillChunk: 512, QueueSize: 8}, Options{})
	const msgs = `"messages":[{"role":"user","content":"weather?"}]`
	const tools = `"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",` +
		`"properties":{"city":{"enum":["Paris","Oslo"]}},"required":["city"]}}}]`
	schema := `{"type":"json_schema","json_schema":{"name":"p","schema":{"type":"object","properties":{"city":{"enum":["Paris","Oslo"]}},"required":["city"],"additionalProperties":false}}}`
	for _, tc := range []struct {
		name, fields string
		cut          int    // a max_tokens too small for any valid answer
		full         string // finish_reason when max_tokens leaves room
		calls        int    // calls a cut stream shows at most (its name came), at least in one choice; -1: JSON content
	}{
		{"required", tools + `,"tool_choice":"required"`, 6, "tool_calls", 0},
		{"named", tools + `,"tool_choice":{"type":"function","function":{"name":"get_weather"}}`, 6, "tool_calls", 0},
		{"required-in-args", tools + `,"tool_choice":"required"`, 45, "", 1},
		{"json_object", `"response_format":{"type":"json_object"}`, 1, "", -1}, // "{}" is two tokens
		{"json_schema", `"response_format":` + schema, 6, "stop", -1},
	} {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", tc.name, stream), func(t *testing.T) {
				body := fmt.Sprintf(`{%s,%s,"max_tokens":%d,"n":2,"seed":1,"stream":%v}`, msgs, tc.fields, tc.cut, stream)
				resp, b := post(t, f, "/v1/chat/completions", body)
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, b)
				}
				got := seenChoices(t, b, stream)
				if len(got) != 2 {
					t.Fatalf("%d choices, want 2: %s", len(got), b)
				}
				shown := 0
				for i, a := range got {
					shown = max(shown, a.calls)
					switch {
					case !stream && (a.finish != "length" || a.content != nil || a.calls != 0):
						t.Errorf("choice %d: finish %q content %v calls %d, want length, null, 0: %s", i, a.finish, a.content, a.calls, b)
					case stream && a.finish != "length":
						t.Errorf("choice %d: finish %q, want length: %s", i, a.finish, b)
					case stream && tc.calls >= 0 && (a.content != nil || a.calls > tc.calls):
						t.Errorf("choice %d: content %v calls %d, want no content and at most %d calls: %s", i, a.content, a.calls, tc.calls, b)
					case stream && tc.calls < 0 && (a.content == nil || json.Valid([]byte(*a.content))):
						t.Errorf("choice %d: content %v, want the cut JSON: %s", i, a.content, b)
					}
				}
				if stream && shown < tc.calls {
					t.Errorf("no choice streamed the cut call's name and arguments: %s", b)
				}
				if tc.full == "" {
					return
				}
				// With room to finish, the same request answers for real.
				body = fmt.Sprintf(`{%s,%s,"max_tokens":200,"seed":1,"stream":%v}`, msgs, tc.fields, stream)
				_, b = post(t, f, "/v1/chat/completions", body)
				a := seenChoices(t, b, stream)[0]
				if a.finish != tc.full || (tc.full == "tool_calls") != (a.calls == 1) || (tc.full == "stop") != (a.content != nil) {
					t.Fatalf("with room: finish %q content %v calls %d: %s", a.finish, a.content, a.calls, b)
				}
			})
		}
	}
}

// seen is one choice as a client sees it once a stream is put together.
type seen struct {
	finish  string
	content *string // nil: null or no content delta at all
	calls   int
}

// seenChoices reads a chat answer, streamed or not, into its choices.
func seenChoices(t *testing.T, b []byte, stream bool) []seen {
	t.Helper()
	type msg struct {
		Content   *string `json:"content"`
		ToolCalls []struct {
			ID string `json:"id"` // streamed: on a call's first delta only
		} `json:"tool_calls"`
	}
	type choice struct {
		Index        int     `json:"index"`
		Message      *msg    `json:"message"`
		Delta        *msg    `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	}
	var chunks []struct {
		Choices []choice `json:"choices"`
	}
	if stream {
		for _, c := range sseChunks(t, b) {
			var ch struct {
				Choices []choice `json:"choices"`
			}
			if err := json.Unmarshal(core.MustJSON(c), &ch); err != nil {
				t.Fatal(err)
			}
			chunks = append(chunks, ch)
		}
	} else {
		chunks = make([]struct {
			Choices []choice `json:"choices"`
		}, 1)
		if err := json.Unmarshal(b, &chunks[0]); err != nil {
			t.Fatalf("bad answer %s: %v", b, err)
		}
	}
	var out []seen
	for _, c := range chunks {
		for _, ch := range c.Choices {
			for len(out) <= ch.Index {
				out = append(out, seen{})
			}
			a := &out[ch.Index]
			m := ch.Message
			if stream {
				m = ch.Delta
			}
			if m != nil && m.Content != nil && (!stream || *m.Content != "") {
				s := *m.Content
				if a.content != nil {
					s = *a.content + s
				}
				a.content = &s
			}
			if m != nil {
				for _, c := range m.ToolCalls {
					if c.ID != "" {
						a.calls++
					}
				}
			}
			if ch.FinishReason != nil {
				a.finish = *ch.FinishReason
			}
		}
	}
	return out
}
