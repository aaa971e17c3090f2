package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/tensor"
)

// msgPost sends a Messages request with the test key as x-api-key, then
// hdr's headers (name, value pairs; an empty value removes a header).
func msgPost(t *testing.T, f *fixture, path, body string, hdr ...string) (int, []byte) {
	t.Helper()
	resp, b := post(t, f, path, body, append([]string{"X-Api-Key", "k", "Anthropic-Version", "2023-06-01"}, hdr...)...)
	return resp.StatusCode, b
}

// checkMsgError checks an error answer in the Anthropic shape.
func checkMsgError(t *testing.T, b []byte, typ, msg string) {
	t.Helper()
	var e struct {
		Type  string `json:"type"`
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Type != "error" || e.Error.Type != typ || !strings.Contains(e.Error.Message, msg) {
		t.Fatalf("error %s, want type %s with message containing %q (%v)", b, typ, msg, err)
	}
}

func TestMessagesErrors(t *testing.T) {
	f := newFixture(t, emptyEngine, Options{APIKey: "k", MaxBody: 8000}) // context 512 tokens, byte tokens
	const user = `"messages":[{"role":"user","content":"hi"}]`
	const tools = `"tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]`
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n not really"))
	turns := func(blocks ...string) string { return `"messages":[` + strings.Join(blocks, ",") + `]` }
	const askWeather = `{"role":"user","content":"weather?"}`
	const callA = `{"role":"assistant","content":[{"type":"tool_use","id":"toolu_a","name":"get_weather","input":{"city":"Oslo"}}]}`
	const resultA = `{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_a","content":"18"}]}`
	for _, tc := range []struct {
		name, path, body string
		hdr              []string
		status           int
		typ, msg         string
	}{
		{"no key", "", `{"max_tokens":5,` + user + `}`, []string{"X-Api-Key", ""}, 401, "authentication_error", "x-api-key"},
		{"wrong key", "", `{"max_tokens":5,` + user + `}`, []string{"X-Api-Key", "nope"}, 401, "authentication_error", "API key"},
		{"count_tokens without key", "/v1/messages/count_tokens", `{` + user + `}`, []string{"X-Api-Key", ""}, 401, "authentication_error", "API key"},
		{"bad JSON", "", `{"max_tokens":`, nil, 400, "invalid_request_error", "not valid JSON"},
		{"wrong type", "", `{"max_tokens":"5",` + user + `}`, nil, 400, "invalid_request_error", "max_tokens"},
		{"unknown model", "", `{"model":"claude-x","max_tokens":5,` + user + `}`, nil, 404, "not_found_error", `"claude-x"`},
		{"no max_tokens", "", `{` + user + `}`, nil, 400, "invalid_request_error", "max_tokens: max_tokens is required"},
		{"max_tokens 0", "", `{"max_tokens":0,` + user + `}`, nil, 400, "invalid_request_error", "max_tokens must be positive"},
		{"no messages", "", `{"max_tokens":5,"messages":[]}`, nil, 400, "invalid_request_error", "at least one message"},
		{"no content", "", `{"max_tokens":5,"messages":[{"role":"user"}]}`, nil, 400, "invalid_request_error", "messages.0.content: content is required"},
		{"unknown role", "", `{"max_tokens":5,"messages":[{"role":"tool","content":"x"}]}`, nil, 400, "invalid_request_error", `messages.0.role: unknown role "tool"`},
		{"unknown block type", "", `{"max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"document","source":{}}]}]}`,
			nil, 400, "invalid_request_error", `messages.0.content.1.type: unsupported content block type "document"`},
		{"unknown block type in count_tokens", "/v1/messages/count_tokens", `{"messages":[{"role":"user","content":[{"type":"audio"}]}]}`,
			nil, 400, "invalid_request_error", `"audio"`},
		{"tool_use from the user", "", `{"max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_use","id":"x","name":"f","input":{}}]}]}`,
			nil, 400, "invalid_request_error", "tool_use blocks cannot appear in user messages"},
		{"image from the assistant", "", `{"max_tokens":5,` + turns(askWeather, `{"role":"assistant","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"`+png+`"}}]}`) + `}`,
			nil, 400, "invalid_request_error", "image blocks cannot appear in assistant messages"},
		{"system with an image", "", `{"max_tokens":5,"system":[{"type":"image"}],` + user + `}`, nil, 400, "invalid_request_error", "system.0.type"},
		{"tool_result without tool_use", "", `{"max_tokens":5,` + turns(`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_x","content":"18"}]}`) + `}`,
			nil, 400, "invalid_request_error", `messages.0.content.0.tool_use_id: tool_result block's tool_use_id "toolu_x"`},
		{"tool_result answering another id", "", `{"max_tokens":5,` + turns(askWeather, callA, `{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_b"}]}`) + `}`,
			nil, 400, "invalid_request_error", `"toolu_b"`},
		{"tool_result answered twice", "", `{"max_tokens":5,` + turns(askWeather, callA, resultA, `{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_a"}]}`) + `}`,
			nil, 400, "invalid_request_error", "messages.3.content.0.tool_use_id"},
		{"tool_result of an older turn", "", `{"max_tokens":5,` + turns(askWeather, callA, resultA, `{"role":"assistant","content":"ok"}`, strings.Replace(resultA, `"18"`, `"19"`, 1)) + `}`,
			nil, 400, "invalid_request_error", "messages.4.content.0.tool_use_id"},
		{"tool_use input not an object", "", `{"max_tokens":5,` + turns(askWeather, `{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":[1]}]}`) + `}`,
			nil, 400, "invalid_request_error", "messages.1.content.0.input"},
		{"tool_result with an image", "", `{"max_tokens":5,` + turns(askWeather, callA, `{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_a","content":[{"type":"image"}]}]}`) + `}`,
			nil, 400, "invalid_request_error", "messages.2.content.0.content.0.type"},
		{"image: bad base64", "", `{"max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"!!!"}}]}]}`,
			nil, 400, "invalid_request_error", "messages.0.content.0.source: data URL: invalid base64"},
		{"image: not an image type", "", `{"max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"text/plain","data":"aGk="}}]}]}`,
			nil, 400, "invalid_request_error", "media_type"},
		{"image: http URL", "", `{"max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}]}]}`,
			nil, 400, "invalid_request_error", "herd does not fetch images"},
		{"image: file source", "", `{"max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]}`,
			nil, 400, "invalid_request_error", `unsupported image source type "file"`},
		{"image: no vision tower", "", `{"max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"` + png + `"}}]}]}`,
			nil, 400, "invalid_request_error", "does not take images"},
		{"server tool", "", `{"max_tokens":5,"tools":[{"type":"web_search_20250305","name":"web_search"}],` + user + `}`,
			nil, 400, "invalid_request_error", `tools.0.type: tool type "web_search_20250305" is not supported`},
		{"tool without a name", "", `{"max_tokens":5,"tools":[{"input_schema":{}}],` + user + `}`, nil, 400, "invalid_request_error", "tools.0.name"},
		{"schema that cannot be enforced", "", `{"max_tokens":5,"tools":[{"name":"f","input_schema":{"type":"object","minProperties":1}}],"tool_choice":{"type":"any"},` + user + `}`,
			nil, 400, "invalid_request_error", "minProperties"},
		{"schema that cannot be enforced, count_tokens", "/v1/messages/count_tokens", `{"tools":[{"name":"f","input_schema":{"not":{}}}],"tool_choice":{"type":"tool","name":"f"},` + user + `}`,
			nil, 400, "invalid_request_error", "not"},
		{"tool_choice names no tool", "", `{"max_tokens":5,` + tools + `,"tool_choice":{"type":"tool","name":"nope"},` + user + `}`, nil, 400, "invalid_request_error", `"nope"`},
		{"tool_choice tool without name", "", `{"max_tokens":5,` + tools + `,"tool_choice":{"type":"tool"},` + user + `}`, nil, 400, "invalid_request_error", "tool_choice.name"},
		{"tool_choice any without tools", "", `{"max_tokens":5,"tool_choice":{"type":"any"},` + user + `}`, nil, 400, "invalid_request_error", "no tools"},
		{"tool_choice unknown", "", `{"max_tokens":5,` + tools + `,"tool_choice":{"type":"required"},` + user + `}`, nil, 400, "invalid_request_error", `"required"`},
		{"too many stop sequences", "", `{"max_tokens":5,"stop_sequences":["a","b","c","d","e"],` + user + `}`, nil, 400, "invalid_request_error", "stop_sequences: at most 4"},
		{"temperature", "", `{"max_tokens":5,"temperature":3,` + user + `}`, nil, 400, "invalid_request_error", "temperature"},
		{"top_k", "", `{"max_tokens":5,"top_k":-1,` + user + `}`, nil, 400, "invalid_request_error", "top_k"},
		{"output format type", "", `{"max_tokens":5,"output_config":{"format":{"type":"xml"}},` + user + `}`, nil, 400, "invalid_request_error", "output_config.format.type"},
		{"output format schema", "", `{"max_tokens":5,"output_config":{"format":{"type":"json_schema","schema":{"oneOf":[]}}},` + user + `}`,
			nil, 400, "invalid_request_error", "output_config.format.schema"},
		{"prompt too long", "", `{"max_tokens":5,"messages":[{"role":"user","content":"` + strings.Repeat("a", 600) + `"}]}`,
			nil, 400, "invalid_request_error", "prompt is too long: messages: the prompt is"},
		{"body too large", "", `{"max_tokens":5,"messages":[{"role":"user","content":"` + strings.Repeat("a", 8000) + `"}]}`,
			nil, 413, "request_too_large", "exceeds 8000 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "/v1/messages"
			}
			status, b := msgPost(t, f, path, tc.body, tc.hdr...)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, b)
			}
			checkMsgError(t, b, tc.typ, tc.msg)
		})
	}
}

// TestMessagesAccepts: what agents really send is answered, not refused:
// system entries inside messages, unknown fields, ?beta=true, Anthropic's
// headers, a bearer key, thinking blocks in the history, tool results as
// blocks, max_tokens beyond the context.
func TestMessagesAccepts(t *testing.T) {
	f := newFixture(t, engine.Options{Parallel: 2, Ctx: 1024, KVType: tensor.F32, PrefillChunk: 512, QueueSize: 8}, Options{APIKey: "k"})
	for _, tc := range []struct {
		name, path, body string
		hdr              []string
	}{
		{"system entry in messages", "", `{"max_tokens":3,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"},` +
			`{"role":"system","content":[{"type":"text","text":"Remember: brief."}]},{"role":"user","content":"again"}]}`, nil},
		{"unknown fields", "", `{"max_tokens":3,"metadata":{"user_id":"u"},"thinking":{"type":"enabled","budget_tokens":1024},"service_tier":"auto",` +
			`"context_management":{"edits":[]},"system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],` +
			`"messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral","ttl":"1h"}}]}]}`, nil},
		{"beta query and headers", "/v1/messages?beta=true", `{"max_tokens":3,"messages":[{"role":"user","content":"hi"}]}`,
			[]string{"Anthropic-Beta", "interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14"}},
		{"bearer key", "", `{"max_tokens":3,"messages":[{"role":"user","content":"hi"}]}`, []string{"X-Api-Key", "", "Authorization", "Bearer k"}},
		{"history with thinking and tool results", "", `{"max_tokens":3,"tools":[{"name":"read","description":"Read a file","input_schema":{"type":"object","properties":{"path":{"type":"string"}}}}],` +
			`"messages":[{"role":"user","content":"read a"},{"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"},` +
			`{"type":"text","text":"Reading."},{"type":"tool_use","id":"t1","name":"read","input":{"path":"a"}},{"type":"tool_use","id":"t2","name":"read","input":{"path":"b"}}]},` +
			`{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"A"}]},` +
			`{"type":"tool_result","tool_use_id":"t2","content":"no such file","is_error":true},{"type":"text","text":"and now?"}]}]}`, nil},
		{"max_tokens beyond the context", "", `{"max_tokens":64000,"stop_sequences":[],"messages":[{"role":"user","content":"hi"}]}`, nil},
		{"count_tokens", "/v1/messages/count_tokens", `{"model":"tiny-test","messages":[{"role":"user","content":"hi"}],"max_tokens":1}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "/v1/messages"
			}
			status, b := msgPost(t, f, path, tc.body, tc.hdr...)
			if status != 200 {
				t.Fatalf("status %d: %s", status, b)
			}
			if strings.HasPrefix(path, "/v1/messages/count_tokens") {
				var c struct {
					InputTokens int `json:"input_tokens"`
				}
				if json.Unmarshal(b, &c) != nil || c.InputTokens == 0 {
					t.Fatalf("count %s", b)
				}
				return
			}
			var m struct {
				StopReason string `json:"stop_reason"`
				Usage      msgUsage
			}
			if err := json.Unmarshal(b, &m); err != nil || m.StopReason == "" {
				t.Fatalf("answer %s: %v", b, err)
			}
			if in := m.Usage.InputTokens + m.Usage.CacheReadInputTokens; in+m.Usage.OutputTokens > f.eng.Ctx() {
				t.Fatalf("usage %+v beyond the context of %d", m.Usage, f.eng.Ctx())
			}
		})
	}
}

// TestMessagesPromptEqualsChat: a Messages request renders the same prompt
// as its chat completions equivalent (the two share one path): system
// entries in messages merge into the leading system prompt, tool_use and
// tool_result become tool calls and tool messages.
func TestMessagesPromptEqualsChat(t *testing.T) {
	f := newFixture(t, engine.Options{Parallel: 2, Ctx: 1024, KVType: tensor.F32, PrefillChunk: 512, QueueSize: 8}, Options{})
	const tool = `{"name":"get_weather","description":"d","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}`
	const chatTool = `{"type":"function","function":{"name":"get_weather","description":"d","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}`
	for _, tc := range []struct{ name, msgs, chat string }{
		{"system", `"system":"Be brief.","messages":[{"role":"system","content":"Really."},{"role":"user","content":"hi"}]`,
			`"messages":[{"role":"system","content":"Be brief.\n\nReally."},{"role":"user","content":"hi"}]`},
		{"empty system", `"system":[],"messages":[{"role":"system","content":"S"},{"role":"user","content":"hi"}]`,
			`"messages":[{"role":"system","content":"S"},{"role":"user","content":"hi"}]`},
		{"blocks", `"system":[{"type":"text","text":"A"},{"type":"text","text":"B"}],"messages":[{"role":"user","content":[{"type":"text","text":"x"},{"type":"text","text":"y"}]}]`,
			`"messages":[{"role":"system","content":"A\n\nB"},{"role":"user","content":"x\n\ny"}]`},
		{"tools", `"tools":[` + tool + `],"messages":[{"role":"user","content":"weather?"},` +
			`{"role":"assistant","content":[{"type":"text","text":"Let me see."},{"type":"tool_use","id":"t","name":"get_weather","input":{"city":"Oslo"}}]},` +
			`{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"18"},{"type":"text","text":"so?"}]}]`,
			`"tools":[` + chatTool + `],"messages":[{"role":"user","content":"weather?"},` +
				`{"role":"assistant","content":"Let me see.","tool_calls":[{"id":"t","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]},` +
				`{"role":"tool","tool_call_id":"t","content":"18"},{"role":"user","content":"so?"}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := post(t, f, "/v1/messages/count_tokens", `{`+tc.msgs+`}`)
			var c struct {
				InputTokens int `json:"input_tokens"`
			}
			if resp.StatusCode != 200 || json.Unmarshal(b, &c) != nil {
				t.Fatalf("count_tokens %d: %s", resp.StatusCode, b)
			}
			resp, b = post(t, f, "/v1/chat/completions", `{"max_tokens":1,`+tc.chat+`}`)
			_, _, u := chatContent(t, b)
			if resp.StatusCode != 200 || fmt.Sprint(u["prompt_tokens"]) != fmt.Sprint(c.InputTokens) {
				t.Fatalf("count_tokens %d, chat prompt_tokens %v: %s", c.InputTokens, u["prompt_tokens"], b)
			}
		})
	}
}

// TestMessagesImages: image blocks (base64, and a data URL as url source)
// give the answer and prompt size of the same images through chat
// completions; images that do not decode are 400s naming the block.
func TestMessagesImages(t *testing.T) {
	f := newVisionFixture(t, false)
	a, b := dataURL(t, "image_a.png"), dataURL(t, "image_b.png")
	resp, body := post(t, f.fixture, "/v1/chat/completions", imageMessage(a, b))
	want, _, u := chatContent(t, body)
	if resp.StatusCode != 200 {
		t.Fatalf("chat: status %d: %s", resp.StatusCode, body)
	}
	image := func(src string) string { return `{"type":"image","source":` + src + `}` }
	base64Src := func(url string) string {
		return fmt.Sprintf(`{"type":"base64","media_type":"image/png","data":%q}`, strings.TrimPrefix(url, "data:image/png;base64,"))
	}
	req := func(blocks ...string) string {
		return `{"model":"tiny-vision","max_tokens":6,"temperature":0,"messages":[{"role":"user","content":[` + strings.Join(blocks, ",") + `,{"type":"text","text":"what is this"}]}]}`
	}
	resp, body = post(t, f.fixture, "/v1/messages", req(image(base64Src(a)), image(fmt.Sprintf(`{"type":"url","url":%q}`, b))))
	if resp.StatusCode != 200 {
		t.Fatalf("messages: status %d: %s", resp.StatusCode, body)
	}
	var m struct {
		Content []struct{ Text string }
		Usage   msgUsage
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, c := range m.Content {
		got += c.Text
	}
	if got != want || fmt.Sprint(m.Usage.InputTokens+m.Usage.CacheReadInputTokens) != fmt.Sprint(u["prompt_tokens"]) {
		t.Fatalf("messages %s; chat answered %q with %v prompt tokens", body, want, u["prompt_tokens"])
	}

	corrupt := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\ntruncated"))
	for _, tc := range []struct{ src, msg string }{
		{base64Src(corrupt), "messages.0.content.1: invalid image: corrupt image"},
		{base64Src("data:image/png;base64,aGVsbG8gd29ybGQ="), "messages.0.content.1: invalid image: unknown image format"},
		{fmt.Sprintf(`{"type":"url","url":%q}`, corrupt), "messages.0.content.1: invalid image"},
	} {
		resp, body := post(t, f.fixture, "/v1/messages", req(image(base64Src(a)), image(tc.src)))
		if resp.StatusCode != 400 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		checkMsgError(t, body, "invalid_request_error", tc.msg)
	}
}

// msgUsage is the usage of a Messages answer, as clients read it.
type msgUsage struct {
	InputTokens          int `json:"input_tokens"`
	OutputTokens         int `json:"output_tokens"`
	CacheReadInputTokens int `json:"cache_read_input_tokens"`
}
