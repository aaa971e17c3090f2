package server

import (
	"fmt"
	"strings"
	"testing"
)

// dictOrTime answers "dict please" with a call-shaped mention of dict, a
// tool no request declares, and anything else with a call of get_time.
func dictOrTime(prompt string) string {
	if strings.Contains(prompt, "dict please") {
		return "Use [dict(a=1)] here."
	}
	return "[get_time(zone=\"UTC\")]"
}

// TestToolCallsOnlyDeclared: text that looks like a call of a tool the
// request did not declare stays content, streamed or not, and a declared
// tool's call in the same shape is a call.
func TestToolCallsOnlyDeclared(t *testing.T) {
	f := newScripted(t, dictOrTime)
	const tools = `"tools":[{"type":"function","function":{"name":"get_time"}}]`
	for _, tc := range []struct {
		ask, content string
		calls        int
		finish       string
	}{
		{"dict please", "Use [dict(a=1)] here.", 0, "stop"},
		{"time please", "", 1, "tool_calls"},
	} {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", tc.ask, stream), func(t *testing.T) {
				body := fmt.Sprintf(`{"messages":[{"role":"user","content":%q}],%s,"stream":%v}`, tc.ask, tools, stream)
				resp, b := post(t, f, "/v1/chat/completions", body)
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, b)
				}
				a := seenChoices(t, b, stream)[0]
				got := ""
				if a.content != nil {
					got = *a.content
				}
				if got != tc.content || a.calls != tc.calls || a.finish != tc.finish || (tc.content == "") != (a.content == nil) {
					t.Fatalf("content %v calls %d finish %q, want %q %d %q: %s", a.content, a.calls, a.finish, tc.content, tc.calls, tc.finish, b)
				}
			})
		}
	}
}

// TestMessagesToolCallsOnlyDeclared: the Anthropic Messages API finds only
// the declared tools' calls too.
func TestMessagesToolCallsOnlyDeclared(t *testing.T) {
	f := newScripted(t, dictOrTime)
	const tools = `"tools":[{"name":"get_time","input_schema":{"type":"object"}}]`
	for _, tc := range []struct{ ask, want, wantStreamed string }{
		// Streamed, "[d" is released at once: no declared tool starts with d.
		{"dict please", `"text":"Use [dict(a=1)] here."`, `"text":" [d"`},
		{"time please", `"type":"tool_use"`, `"type":"tool_use"`},
	} {
		for _, stream := range []bool{false, true} {
			if stream {
				tc.want = tc.wantStreamed
			}
			body := fmt.Sprintf(`{"max_tokens":100,"messages":[{"role":"user","content":%q}],%s,"stream":%v}`, tc.ask, tools, stream)
			resp, b := post(t, f, "/v1/messages", body)
			if resp.StatusCode != 200 || !strings.Contains(string(b), tc.want) || tc.ask == "dict please" && strings.Contains(string(b), "tool_use") {
				t.Fatalf("%s (stream %v): status %d %s, want %s", tc.ask, stream, resp.StatusCode, b, tc.want)
			}
		}
	}
}
