package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/herd-llm/herd/embedded"
	"github.com/herd-llm/herd/server/internal/core"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/openai/openai-go/v3/shared"
)

// These tests drive POST /v1/responses with the official OpenAI Go client:
// plain answers, streamed, a function-call round trip, json_schema output,
// incomplete answers.

// respReplies is the scripted model's answers for the Responses tests.
func respReplies(prompt string) string {
	switch {
	case strings.Contains(prompt, "21 degrees"): // the tool's result came back
		return "It is 21 degrees in Paris."
	case strings.Contains(prompt, "weather in Paris"):
		return `I'll check. {"name": "get_weather", "parameters": {"city": "Paris"}}`
	}
	return "Hello from herd. The answer is 42."
}

// streamedResponse is what a client sees of a streamed response.
type streamedResponse struct {
	final responses.Response // from response.completed or response.incomplete
	text  string             // the output_text deltas joined
	args  map[string]string  // each function_call item's argument deltas joined
	types []string           // the event types in order
}

// streamResponse sends a streaming request and checks the events' order as
// the SDKs consume them: created, in_progress, each item added before its
// deltas and done after them, deltas equal to the done texts and the final
// response, sequence numbers from 0, a completed or incomplete event last.
func streamResponse(t *testing.T, c openai.Client, p responses.ResponseNewParams, opts ...option.RequestOption) streamedResponse {
	t.Helper()
	st := c.Responses.NewStreaming(context.Background(), p, opts...)
	out := streamedResponse{args: map[string]string{}}
	open := map[string]bool{} // items added and not yet done
	var text strings.Builder
	for st.Next() {
		ev := st.Current()
		if ev.SequenceNumber != int64(len(out.types)) {
			t.Fatalf("event %d has sequence_number %d", len(out.types), ev.SequenceNumber)
		}
		out.types = append(out.types, ev.Type)
		switch ev.Type {
		case "response.output_item.added":
			open[ev.Item.ID] = true
		case "response.output_item.done":
			if !open[ev.Item.ID] {
				t.Fatalf("item %s done but not added", ev.Item.ID)
			}
			delete(open, ev.Item.ID)
			if ev.Item.Type == "function_call" && ev.Item.Arguments.OfString != out.args[ev.Item.ID] {
				t.Fatalf("item %s: arguments %q, deltas %q", ev.Item.ID, ev.Item.Arguments.OfString, out.args[ev.Item.ID])
			}
		case "response.output_text.delta", "response.function_call_arguments.delta":
			if !open[ev.ItemID] {
				t.Fatalf("%s for item %s, which is not open", ev.Type, ev.ItemID)
			}
			if ev.Type == "response.output_text.delta" {
				text.WriteString(ev.Delta)
			} else {
				out.args[ev.ItemID] += ev.Delta
			}
		case "response.function_call_arguments.done":
			if ev.Arguments != out.args[ev.ItemID] {
				t.Fatalf("arguments done %q, deltas %q", ev.Arguments, out.args[ev.ItemID])
			}
		case "response.completed", "response.incomplete":
			out.final = ev.Response
		case "error":
			t.Fatalf("error event: %s", ev.RawJSON())
		}
	}
	if err := st.Err(); err != nil {
		t.Fatal(apiErrorText(err))
	}
	n := len(out.types)
	if n < 3 || out.types[0] != "response.created" || out.types[1] != "response.in_progress" ||
		(out.types[n-1] != "response.completed" && out.types[n-1] != "response.incomplete") {
		t.Fatalf("events %v", out.types)
	}
	if len(open) > 0 {
		t.Fatalf("items %v never done: %v", open, out.types)
	}
	out.text = text.String()
	if got := out.final.OutputText(); got != out.text {
		t.Fatalf("final output text %q, deltas %q", got, out.text)
	}
	return out
}

func TestResponsesClient(t *testing.T) {
	f := newScripted(t, respReplies)
	c := client(f)
	ctx := context.Background()

	// A string input with instructions.
	p := responses.ResponseNewParams{
		Model:        "scripted",
		Instructions: openai.String("Be helpful."),
		Input:        responses.ResponseNewParamsInputUnion{OfString: openai.String("Say hello")},
	}
	resp, err := c.Responses.New(ctx, p)
	if err != nil {
		t.Fatal(apiErrorText(err))
	}
	const hello = "Hello from herd. The answer is 42."
	if resp.OutputText() != hello || resp.Status != "completed" || len(resp.Output) != 1 || resp.Output[0].Type != "message" ||
		resp.Usage.OutputTokens != int64(len(hello))+1 || resp.Usage.InputTokens == 0 || resp.Usage.TotalTokens != resp.Usage.InputTokens+resp.Usage.OutputTokens ||
		!strings.HasPrefix(resp.ID, "resp_") || resp.Object != "response" {
		t.Fatalf("answer %s", resp.RawJSON())
	}
	s := streamResponse(t, c, p)
	if s.text != hello || s.final.Status != "completed" || s.final.Usage.OutputTokens != resp.Usage.OutputTokens {
		t.Fatalf("streamed %q: %s", s.text, s.final.RawJSON())
	}
	want := []string{"response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"}
	if strings.Join(s.types[:4], " ") != strings.Join(want, " ") || s.types[len(s.types)-4] != "response.output_text.done" {
		t.Fatalf("events %v", s.types)
	}

	// A list input: a message with input_text parts.
	p.Input = responses.ResponseNewParamsInputUnion{OfInputItemList: responses.ResponseInputParam{
		responses.ResponseInputItemParamOfMessage(responses.ResponseInputMessageContentListParam{
			{OfInputText: &responses.ResponseInputTextParam{Text: "Say hello"}},
		}, responses.EasyInputMessageRoleUser),
	}}
	if resp, err = c.Responses.New(ctx, p); err != nil || resp.OutputText() != hello {
		t.Fatalf("item input: %v %v", apiErrorText(err), resp)
	}

	// The output token limit: status incomplete, streamed or not.
	p.MaxOutputTokens = openai.Int(5)
	if resp, err = c.Responses.New(ctx, p); err != nil || resp.Status != "incomplete" || resp.IncompleteDetails.Reason != "max_output_tokens" || resp.OutputText() != hello[:5] {
		t.Fatalf("max_output_tokens: %v %s", err, resp.RawJSON())
	}
	s = streamResponse(t, c, p)
	if s.types[len(s.types)-1] != "response.incomplete" || s.final.Status != "incomplete" || s.final.IncompleteDetails.Reason != "max_output_tokens" || s.text != hello[:5] {
		t.Fatalf("max_output_tokens streamed %q: %v %s", s.text, s.types, s.final.RawJSON())
	}

	// Constrained output cut by the limit: no half-written value as the
	// answer; streamed, what was sent is the cut value, and the response
	// says it is incomplete.
	p.MaxOutputTokens = openai.Int(1)
	p.Text = responses.ResponseTextConfigParam{Format: responses.ResponseFormatTextConfigUnionParam{OfJSONObject: &shared.ResponseFormatJSONObjectParam{}}}
	if resp, err = c.Responses.New(ctx, p); err != nil || resp.Status != "incomplete" || len(resp.Output) != 0 {
		t.Fatalf("cut JSON: %v %s", err, resp.RawJSON())
	}
	s = streamResponse(t, c, p)
	if s.final.Status != "incomplete" || s.text != "{" {
		t.Fatalf("cut JSON streamed %q: %s", s.text, s.final.RawJSON())
	}
}

// TestResponsesClientFunctionCall: a function call with text before it, its
// result sent back as function_call and function_call_output items, and the
// model's answer to it, streamed or not.
func TestResponsesClientFunctionCall(t *testing.T) {
	f := newScripted(t, respReplies)
	c := client(f)
	ctx := context.Background()
	weather := responses.ToolParamOfFunction("get_weather", map[string]any{
		"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []string{"city"},
	}, false)
	p := responses.ResponseNewParams{
		Model: "scripted",
		Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("What is the weather in Paris?")},
		Tools: []responses.ToolUnionParam{weather},
	}
	resp, err := c.Responses.New(ctx, p)
	if err != nil {
		t.Fatal(apiErrorText(err))
	}
	if len(resp.Output) != 2 || resp.Output[0].Type != "message" || resp.OutputText() != "I'll check." || resp.Output[1].Type != "function_call" {
		t.Fatalf("output %s", resp.RawJSON())
	}
	call := resp.Output[1].AsFunctionCall()
	if call.Name != "get_weather" || call.Arguments != `{"city":"Paris"}` || call.CallID == "" || call.Status != "completed" || resp.Status != "completed" {
		t.Fatalf("call %s", resp.RawJSON())
	}
	s := streamResponse(t, c, p)
	if s.text != "I'll check." || len(s.final.Output) != 2 || s.final.Output[1].AsFunctionCall().Arguments != call.Arguments ||
		s.args[s.final.Output[1].ID] != call.Arguments {
		t.Fatalf("streamed %q %v: %s", s.text, s.args, s.final.RawJSON())
	}

	// The round trip: the call and its output go back as input items.
	result := responses.ResponseInputItemParamOfFunctionCallOutput("21 degrees and sunny")
	result.OfFunctionCallOutput.CallID = openai.String(call.CallID)
	p.Input = responses.ResponseNewParamsInputUnion{OfInputItemList: responses.ResponseInputParam{
		responses.ResponseInputItemParamOfMessage("What is the weather in Paris?", responses.EasyInputMessageRoleUser),
		responses.ResponseInputItemParamOfFunctionCall(call.Arguments, call.CallID, call.Name),
		result,
	}}
	resp, err = c.Responses.New(ctx, p)
	if err != nil {
		t.Fatal(apiErrorText(err))
	}
	if resp.OutputText() != "It is 21 degrees in Paris." || len(resp.Output) != 1 {
		t.Fatalf("answer to the result: %s", resp.RawJSON())
	}
}

// TestResponsesClientStructured: on the built-in model, which cannot choose
// calls or JSON itself, a json_schema answer and forced calls (tool_choice
// "required" and named) validate against eventSchema, streamed or not.
func TestResponsesClientStructured(t *testing.T) {
	f := shakespeareFixture(t)
	c := client(f)
	ctx := context.Background()
	seed := option.WithJSONSet("seed", 3) // an extension, as in chat completions
	base := responses.ResponseNewParams{
		Model:           embedded.Name,
		Input:           responses.ResponseNewParamsInputUnion{OfString: openai.String("Log an event.")},
		Temperature:     openai.Float(1),
		MaxOutputTokens: openai.Int(1000),
	}
	p := base
	p.Text = responses.ResponseTextConfigParam{Format: responses.ResponseFormatTextConfigUnionParam{
		OfJSONSchema: &responses.ResponseFormatTextJSONSchemaConfigParam{Name: "event", Schema: eventSchema, Strict: openai.Bool(true)},
	}}
	resp, err := c.Responses.New(ctx, p, seed)
	if err != nil {
		t.Fatal(apiErrorText(err))
	}
	if err := checkEvent(resp.OutputText()); err != nil || resp.Status != "completed" {
		t.Fatalf("json_schema answer %s: %v", resp.RawJSON(), err)
	}
	if s := streamResponse(t, c, p, seed); s.text != resp.OutputText() {
		t.Fatalf("streamed %q, not streamed %q", s.text, resp.OutputText())
	}
	for _, choice := range []responses.ResponseNewParamsToolChoiceUnion{
		{OfToolChoiceMode: openai.Opt(responses.ToolChoiceOptionsRequired)},
		{OfFunctionTool: &responses.ToolChoiceFunctionParam{Name: "log_event"}},
	} {
		p := base
		p.Tools = []responses.ToolUnionParam{responses.ToolParamOfFunction("log_event", eventSchema, true)}
		p.ToolChoice = choice
		resp, err := c.Responses.New(ctx, p, seed)
		if err != nil {
			t.Fatal(apiErrorText(err))
		}
		if len(resp.Output) != 1 || resp.Output[0].Type != "function_call" || resp.Status != "completed" {
			t.Fatalf("forced call: %s", resp.RawJSON())
		}
		call := resp.Output[0].AsFunctionCall()
		if err := checkEvent(call.Arguments); err != nil || call.Name != "log_event" {
			t.Fatalf("forced call %s(%s): %v", call.Name, call.Arguments, err)
		}
		s := streamResponse(t, c, p, seed)
		if len(s.final.Output) != 1 || s.final.Output[0].AsFunctionCall().Arguments != call.Arguments || s.text != "" {
			t.Fatalf("streamed forced call %s, not streamed %s", s.final.RawJSON(), call.Arguments)
		}
		t.Logf("call %s", call.Arguments)
	}
}

// TestResponsesErrors: bad requests get a 400 in the API's error shape,
// naming the offending field in the request's own terms.
func TestResponsesErrors(t *testing.T) {
	f := newScripted(t, respReplies)
	const weather = `"tools":[{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]`
	for _, tc := range []struct{ name, body, param, msg string }{
		{"no input", `{"model":"scripted"}`, "input", "input is required"},
		{"input number", `{"input":3}`, "input", "a string or a list"},
		{"unknown item", `{"input":[{"type":"reasoning","summary":[]}]}`, "input[0].type", `"reasoning" is not supported`},
		{"output without call", `{"input":[{"role":"user","content":"hi"},{"type":"function_call_output","call_id":"call_9","output":"x"}]}`, "input[1].call_id", `"call_9" has no function_call`},
		{"call without id", `{"input":[{"type":"function_call","name":"f","arguments":"{}"}]}`, "input[0]", "call_id and name"},
		{"bad arguments", `{"input":[{"role":"user","content":"hi"},{"type":"function_call","call_id":"c","name":"f","arguments":"{x"}]}`, "input[1].tool_calls", "not valid JSON"},
		{"bad role", `{"input":[{"role":"robot","content":"hi"}]}`, "input[0].role", "unknown role"},
		{"bad part", `{"input":[{"role":"user","content":[{"type":"input_audio"}]}]}`, "input[0].content[0].type", "input_audio"},
		{"no content", `{"input":[{"role":"user"}]}`, "input[0].content", "content is required"},
		{"bad output part", `{"input":[{"type":"function_call","call_id":"c","name":"f"},{"type":"function_call_output","call_id":"c","output":[{"type":"input_image"}]}]}`, "input[1].output[0].type", "input_image"},
		{"previous response", `{"input":"hi","previous_response_id":"resp_1"}`, "previous_response_id", "stateless"},
		{"hosted tool", `{"input":"hi","tools":[{"type":"web_search"}]}`, "tools[0].type", `"web_search" is not supported`},
		{"tool without name", `{"input":"hi","tools":[{"type":"function"}]}`, "tools[0].name", "needs a name"},
		{"unknown forced tool", `{"input":"hi",` + weather + `,"tool_choice":{"type":"function","name":"send_mail"}}`, "tool_choice", "send_mail"},
		{"bad tool_choice", `{"input":"hi",` + weather + `,"tool_choice":{"type":"mcp"}}`, "tool_choice", "tool_choice must be"},
		{"schema missing", `{"input":"hi","text":{"format":{"type":"json_schema","name":"x"}}}`, "text.format.schema", "needs a schema"},
		{"schema not enforceable", `{"input":"hi","text":{"format":{"type":"json_schema","name":"x","schema":{"type":"object","minProperties":1}}}}`, "text.format.schema", "minProperties"},
		{"format unknown", `{"input":"hi","text":{"format":{"type":"yaml"}}}`, "text.format.type", "yaml"},
		{"format with tools", `{"input":"hi",` + weather + `,"text":{"format":{"type":"json_object"}}}`, "text.format", "cannot be combined"},
		{"max_output_tokens 0", `{"input":"hi","max_output_tokens":0}`, "max_output_tokens", "must be positive"},
		{"max_output_tokens too big", `{"input":"hi","max_output_tokens":100000}`, "max_output_tokens", "max_output_tokens (100000)"},
		{"temperature", `{"input":"hi","temperature":3}`, "temperature", "between 0 and 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, stream := range []string{"false", "true"} {
				body := strings.Replace(tc.body, "{", `{"stream":`+stream+",", 1)
				resp, b := post(t, f, "/v1/responses", body)
				var e struct {
					Error core.APIError `json:"error"`
				}
				if resp.StatusCode != 400 || json.Unmarshal(b, &e) != nil || e.Error.Type != "invalid_request_error" ||
					e.Error.Param == nil || *e.Error.Param != tc.param || !strings.Contains(e.Error.Message, tc.msg) {
					t.Fatalf("stream %s: status %d %s, want 400 param %q saying %q", stream, resp.StatusCode, b, tc.param, tc.msg)
				}
			}
		})
	}
}
