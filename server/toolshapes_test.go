package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/herd-llm/herd/server/internal/core"
)

// wantCall is a call a test expects: its name and compact JSON arguments.
type wantCall struct{ name, args string }

// toolShapes are the shapes Llama 4 writes tool calls in (docs/tool-calls.md),
// each as the model's whole reply, with the content and calls the server
// must answer. The declared tools are get_weather and get_time.
var toolShapes = []struct {
	name, reply, content string
	calls                []wantCall
	single               bool // parallel_tool_calls: false
}{
	{"pythonic list", `[get_weather(city="Paris"), get_time()]`, "",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}, {"get_time", `{}`}}, false},
	{"python literals", `[get_weather(city='it\'s', n=1_000, b=True, z=None, l=[1, (2, 3)])]`, "",
		[]wantCall{{"get_weather", `{"city":"it's","n":1000,"b":true,"z":null,"l":[1,[2,3]]}`}}, false},
	{"json parameters", `{"name": "get_weather", "parameters": {"city": "Paris"}}`, "",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}}, false},
	{"json type function", `{"type": "function", "name": "get_weather", "arguments": {"city": "Paris"}}`, "",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}}, false},
	{"arguments string", `{"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}`, "",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}}, false},
	{"openai shape", `{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}`, "",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}}, false},
	{"arguments first", `{"parameters": {"city": "Paris"}, "name": "get_weather"}`, "",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}}, false},
	{"json no arguments", `{"name": "get_time"}`, "",
		[]wantCall{{"get_time", `{}`}}, false},
	{"json list", `[{"name": "get_weather", "parameters": {"city": "Paris"}}, {"name": "get_time", "parameters": {}}]`, "",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}, {"get_time", `{}`}}, false},
	{"json sequence", "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}};\n{\"name\": \"get_time\", \"parameters\": {}}", "",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}, {"get_time", `{}`}}, false},
	{"python tags", `<|python_start|>[get_weather(city="Paris")]<|python_end|>`, "",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}}, false},
	{"tags without brackets", `<|python_start|>get_weather(city="Paris"), get_time()<|python_end|>`, "",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}, {"get_time", `{}`}}, false},
	{"template form", `<|python_start|>Checking.<|python_end|>{"name": "get_weather", "parameters": {"city": "Paris"}}`, "Checking.",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}}, false},
	{"fenced", "```json\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}\n```", "",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}}, false},
	{"text before", `I'll check. {"name": "get_weather", "parameters": {"city": "Paris"}}`, "I'll check.",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}}, false},
	{"text around", "Let me see.\n\n[get_time()]\nThat is all.", "Let me see.\n\nThat is all.",
		[]wantCall{{"get_time", `{}`}}, false},
	{"end of message", `[get_time(zone="UTC")]<|eom|>`, "",
		[]wantCall{{"get_time", `{"zone":"UTC"}`}}, false},
	{"parallel off", `[get_weather(city="Paris"), get_time()]`, "",
		[]wantCall{{"get_weather", `{"city":"Paris"}`}}, true},
	{"undeclared", `[send_mail(to="x")] and {"name": "dict", "parameters": {}}`, `[send_mail(to="x")] and {"name": "dict", "parameters": {}}`, nil, false},
	{"not a call", `See [the docs](x) or {"city": "Paris"}: [1, 2].`, `See [the docs](x) or {"city": "Paris"}: [1, 2].`, nil, false},
}

// shapeReply answers "shape N" with toolShapes[N]'s reply.
func shapeReply(prompt string) string {
	i := strings.LastIndex(prompt, "shape ")
	var n int
	if i < 0 {
		return "no shape"
	}
	if _, err := fmt.Sscanf(prompt[i:], "shape %d", &n); err != nil || n < 0 || n >= len(toolShapes) {
		return "no shape"
	}
	return toolShapes[n].reply
}

// gotReply is a reply as a client puts it together.
type gotReply struct {
	content *string // nil: null, or no content at all
	calls   []wantCall
	finish  string
}

func (g gotReply) String() string {
	c := "null"
	if g.content != nil {
		c = fmt.Sprintf("%q", *g.content)
	}
	return fmt.Sprintf("content %s calls %v finish %q", c, g.calls, g.finish)
}

// TestToolCallShapes: every shape, through chat completions and the
// Responses API, streamed and not, gives the calls with their names and
// arguments and the text around them as content; streamed, no call text
// is ever sent as content, each call's name comes before its arguments.
func TestToolCallShapes(t *testing.T) {
	f := newScripted(t, shapeReply)
	const chatTools = `[{"type":"function","function":{"name":"get_weather"}},{"type":"function","function":{"name":"get_time"}}]`
	const respTools = `[{"type":"function","name":"get_weather"},{"type":"function","name":"get_time"}]`
	for n, sh := range toolShapes {
		for _, api := range []string{"chat", "responses"} {
			for _, stream := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/stream=%v", sh.name, api, stream), func(t *testing.T) {
					var body string
					if api == "chat" {
						body = fmt.Sprintf(`{"messages":[{"role":"user","content":"shape %d"}],"tools":%s,"parallel_tool_calls":%v,"stream":%v}`, n, chatTools, !sh.single, stream)
					} else {
						body = fmt.Sprintf(`{"input":"shape %d","tools":%s,"parallel_tool_calls":%v,"stream":%v}`, n, respTools, !sh.single, stream)
					}
					resp, b := post(t, f, "/v1/"+map[string]string{"chat": "chat/completions", "responses": "responses"}[api], body)
					if resp.StatusCode != 200 {
						t.Fatalf("status %d: %s", resp.StatusCode, b)
					}
					var got gotReply
					switch {
					case api == "chat" && stream:
						got = chatStreamReply(t, b)
					case api == "chat":
						got = chatReply(t, b)
					case stream:
						got = responsesStreamReply(t, b)
					default:
						got = responsesReply(t, b)
					}
					finish := "stop"
					if len(sh.calls) > 0 {
						finish = "tool_calls"
					}
					ok := fmt.Sprint(got.calls) == fmt.Sprint(sh.calls) && got.finish == finish &&
						(sh.content == "" && got.content == nil || got.content != nil && *got.content == sh.content)
					if !ok {
						t.Fatalf("%s\nwant content %q calls %v finish %q\nreply %q\n%s", got, sh.content, sh.calls, finish, sh.reply, b)
					}
				})
			}
		}
	}
}

// chatMsg is what these tests read of a chat message or a stream's delta.
type chatMsg struct {
	Content   *string         `json:"content"`
	ToolCalls []core.ToolCall `json:"tool_calls"`
}

// chatReply reads a chat.completion.
func chatReply(t *testing.T, b []byte) gotReply {
	t.Helper()
	var r struct {
		Choices []struct {
			Message      chatMsg `json:"message"`
			FinishReason string  `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(b, &r); err != nil || len(r.Choices) != 1 {
		t.Fatalf("bad answer %s: %v", b, err)
	}
	m := r.Choices[0].Message
	g := gotReply{content: m.Content, finish: r.Choices[0].FinishReason}
	for _, c := range m.ToolCalls {
		if c.ID == "" || c.Type != "function" {
			t.Fatalf("call without id or type: %s", b)
		}
		g.calls = append(g.calls, wantCall{c.Function.Name, c.Function.Arguments})
	}
	return g
}

// chatStreamReply puts a streamed chat answer together, checking that each
// call starts with its index, id, type and name and that argument pieces
// only extend the last call started.
func chatStreamReply(t *testing.T, b []byte) gotReply {
	t.Helper()
	var g gotReply
	for _, ch := range sseChunks(t, b) {
		var c struct {
			Choices []struct {
				Delta        chatMsg `json:"delta"`
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
		}
		json.Unmarshal(core.MustJSON(ch), &c)
		for _, choice := range c.Choices {
			d := choice.Delta
			if d.Content != nil && *d.Content != "" {
				s := *d.Content
				if g.content != nil {
					s = *g.content + s
				}
				g.content = &s
			}
			for _, tc := range d.ToolCalls {
				if tc.Index == nil {
					t.Fatalf("tool call delta without index: %s", b)
				}
				switch {
				case tc.ID != "":
					if *tc.Index != len(g.calls) || tc.Function.Name == "" || tc.Type != "function" {
						t.Fatalf("call %d starts at index %d without its name or type: %s", len(g.calls), *tc.Index, b)
					}
					g.calls = append(g.calls, wantCall{name: tc.Function.Name})
				case *tc.Index != len(g.calls)-1 || tc.Function.Name != "":
					t.Fatalf("arguments for call %d while call %d is open: %s", *tc.Index, len(g.calls)-1, b)
				}
				g.calls[len(g.calls)-1].args += tc.Function.Arguments
			}
			if choice.FinishReason != nil {
				g.finish = *choice.FinishReason
			}
		}
	}
	return g
}

// responsesReply reads a response object: the message items' text is the
// content.
func responsesReply(t *testing.T, b []byte) gotReply {
	t.Helper()
	var r responseObj
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("bad answer %s: %v", b, err)
	}
	return replyOfItems(t, r, b)
}

// replyOfItems reads a response's output items.
func replyOfItems(t *testing.T, r responseObj, b []byte) gotReply {
	t.Helper()
	var g gotReply
	for _, it := range r.Output {
		switch it.Type {
		case "message":
			s := ""
			if g.content != nil {
				s = *g.content
			}
			for _, p := range it.Content {
				s += p.Text
			}
			g.content = &s
		case "function_call":
			if it.CallID == "" || it.ID == "" || it.Arguments == nil {
				t.Fatalf("function_call without ids or arguments: %s", b)
			}
			g.calls = append(g.calls, wantCall{it.Name, *it.Arguments})
		}
	}
	g.finish = "stop"
	if len(g.calls) > 0 {
		g.finish = "tool_calls"
	}
	if r.Status != "completed" {
		g.finish = r.Status
	}
	return g
}

// responsesStreamReply puts a streamed response together from its deltas
// (content from output_text deltas, calls from the items added and their
// argument deltas) and checks that it equals the final response.
func responsesStreamReply(t *testing.T, b []byte) gotReply {
	t.Helper()
	var g gotReply
	var final responseObj
	for _, line := range strings.Split(string(b), "\n") {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var ev struct {
			Type     string          `json:"type"`
			Delta    string          `json:"delta"`
			Item     outputItem      `json:"item"`
			Response json.RawMessage `json:"response"`
		}
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatalf("bad event %q: %v", data, err)
		}
		switch ev.Type {
		case "response.output_text.delta":
			s := ev.Delta
			if g.content != nil {
				s = *g.content + s
			}
			g.content = &s
		case "response.output_item.added":
			if ev.Item.Type == "function_call" {
				if ev.Item.Name == "" || *ev.Item.Arguments != "" {
					t.Fatalf("function_call added without its name, or with arguments: %s", b)
				}
				g.calls = append(g.calls, wantCall{name: ev.Item.Name})
			}
		case "response.function_call_arguments.delta":
			g.calls[len(g.calls)-1].args += ev.Delta
		case "response.completed", "response.incomplete":
			json.Unmarshal(ev.Response, &final)
		}
	}
	whole := replyOfItems(t, final, b)
	g.finish = whole.finish
	if whole.String() != g.String() {
		t.Fatalf("deltas give %s, the final response %s: %s", g, whole, b)
	}
	return g
}

// TestToolCallStreamFlows: content before a call streams as it is
// generated (a delta per token with the byte tokenizer), not held to the end;
// only the space before the call is held, and the call's deltas follow.
func TestToolCallStreamFlows(t *testing.T) {
	f := newScripted(t, shapeReply)
	n := -1
	for i, sh := range toolShapes {
		if sh.name == "text before" {
			n = i
		}
	}
	body := fmt.Sprintf(`{"messages":[{"role":"user","content":"shape %d"}],"tools":[{"type":"function","function":{"name":"get_weather"}}],"stream":true}`, n)
	_, b := post(t, f, "/v1/chat/completions", body)
	var pieces []string
	calls := 0
	for _, ch := range sseChunks(t, b) {
		var c struct {
			Choices []struct {
				Delta struct {
					Content   *string           `json:"content"`
					ToolCalls []json.RawMessage `json:"tool_calls"`
				} `json:"delta"`
			} `json:"choices"`
		}
		json.Unmarshal(core.MustJSON(ch), &c)
		for _, choice := range c.Choices {
			if d := choice.Delta; d.Content != nil && *d.Content != "" {
				if calls > 0 {
					t.Fatalf("content %q after the call: %s", *d.Content, b)
				}
				pieces = append(pieces, *d.Content)
			}
			calls += len(choice.Delta.ToolCalls)
		}
	}
	if strings.Join(pieces, "") != "I'll check." || len(pieces) < 8 || calls < 2 { // a space is held until what follows it shows
		t.Fatalf("content pieces %q, %d call deltas: %s", pieces, calls, b)
	}
}

// responseObj and outputItem are what these tests read of a Responses
// answer.
type responseObj struct {
	Status string        `json:"status"`
	Output []*outputItem `json:"output"`
}

type outputItem struct {
	Type      string  `json:"type"`
	ID        string  `json:"id"`
	CallID    string  `json:"call_id"`
	Name      string  `json:"name"`
	Arguments *string `json:"arguments"`
	Content   []struct {
		Text string `json:"text"`
	} `json:"content"`
}
