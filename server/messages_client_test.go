package server

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/herd-llm/herd/embedded"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/tensor"
)

// These tests drive /v1/messages with the official Anthropic Go SDK, on the
// built-in model through the real engine. The model is too small to choose
// a tool itself, so tool calls are forced (tool_choice any or tool).

const msgTestKey = "sk-herd-test"

// msgFixture serves the built-in model with an API key, which the SDK sends
// as x-api-key.
func msgFixture(t *testing.T) (*fixture, anthropic.Client) {
	t.Helper()
	m, tok, err := embedded.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := serve(t, m, m, tok, engine.Options{Parallel: 2, Ctx: 4096, KVType: tensor.F32, PrefillChunk: 1024, QueueSize: 8},
		Options{ModelName: embedded.Name, APIKey: msgTestKey})
	c := anthropic.NewClient(option.WithBaseURL(f.ts.URL+"/"), option.WithAPIKey(msgTestKey), option.WithMaxRetries(0))
	return f, c
}

// greedy makes a request deterministic: the SDK has no temperature field,
// the server still takes it.
var greedy = option.WithJSONSet("temperature", 0)

// streamedMessage sends a streaming request and returns the message the SDK
// accumulates from its events, and the events' types in order.
func streamedMessage(t *testing.T, c anthropic.Client, p anthropic.MessageNewParams, opts ...option.RequestOption) (anthropic.Message, []string) {
	t.Helper()
	stream := c.Messages.NewStreaming(context.Background(), p, opts...)
	var msg anthropic.Message
	var types []string
	for stream.Next() {
		ev := stream.Current()
		types = append(types, ev.Type)
		if err := msg.Accumulate(ev); err != nil {
			t.Fatalf("accumulate %s: %v", ev.Type, err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v", err)
	}
	return msg, types
}

// checkEventOrder checks the order the Messages API streams in: message_start,
// then content blocks each opened, filled and closed in index order, then
// message_delta and message_stop. (The SDK drops ping events; the raw
// stream tests check them.)
func checkEventOrder(t *testing.T, types []string) {
	t.Helper()
	var core []string
	for _, ty := range types {
		if ty != "ping" {
			core = append(core, ty)
		}
	}
	n := len(core)
	if n < 3 || core[0] != "message_start" || core[n-2] != "message_delta" || core[n-1] != "message_stop" || types[len(types)-1] != "message_stop" {
		t.Fatalf("event order %v", types)
	}
	open := false
	for _, ty := range core[1 : n-2] {
		switch {
		case ty == "content_block_start" && !open:
			open = true
		case ty == "content_block_delta" && open:
		case ty == "content_block_stop" && open:
			open = false
		default:
			t.Fatalf("event %s out of order (block open %v): %v", ty, open, types)
		}
	}
	if open {
		t.Fatalf("a block is never stopped: %v", types)
	}
}

func TestMessagesClientText(t *testing.T) {
	_, c := msgFixture(t)
	ctx := context.Background()
	p := anthropic.MessageNewParams{
		Model:     embedded.Name,
		MaxTokens: 24,
		System:    []anthropic.TextBlockParam{{Text: "You write verse."}},
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("ROMEO:"))},
	}
	msg, err := c.Messages.New(ctx, p, greedy)
	if err != nil {
		t.Fatalf("new: %v", msgErrorText(err))
	}
	if !strings.HasPrefix(msg.ID, "msg_") || msg.Role != "assistant" || string(msg.Model) != embedded.Name || len(msg.Content) != 1 || msg.Content[0].Type != "text" || msg.Content[0].Text == "" {
		t.Fatalf("message %s", msg.RawJSON())
	}
	if msg.StopReason != anthropic.StopReasonEndTurn && msg.StopReason != anthropic.StopReasonMaxTokens {
		t.Fatalf("stop_reason %q", msg.StopReason)
	}
	u := msg.Usage
	if u.InputTokens+u.CacheReadInputTokens == 0 || u.OutputTokens == 0 || u.OutputTokens > 24 {
		t.Fatalf("usage %s", u.RawJSON())
	}
	t.Logf("%q (%s, %d tokens)", msg.Content[0].Text, msg.StopReason, u.OutputTokens)

	// Streamed, the SDK puts together the same message.
	got, types := streamedMessage(t, c, p, greedy)
	checkEventOrder(t, types)
	if len(got.Content) != 1 || got.Content[0].Text != msg.Content[0].Text || got.StopReason != msg.StopReason || got.Usage.OutputTokens != u.OutputTokens {
		t.Fatalf("streamed %s, not streamed %s", got.RawJSON(), msg.RawJSON())
	}
	if got.Usage.InputTokens+got.Usage.CacheReadInputTokens != u.InputTokens+u.CacheReadInputTokens {
		t.Fatalf("streamed usage %s, not streamed %s", got.Usage.RawJSON(), u.RawJSON())
	}

	// The beta path (?beta=true, anthropic-beta header) is the same endpoint.
	beta, err := c.Beta.Messages.New(ctx, anthropic.BetaMessageNewParams{
		Model: embedded.Name, MaxTokens: 24, System: []anthropic.BetaTextBlockParam{{Text: "You write verse."}},
		Messages: []anthropic.BetaMessageParam{anthropic.NewBetaUserMessage(anthropic.NewBetaTextBlock("ROMEO:"))},
		Betas:    []anthropic.AnthropicBeta{"interleaved-thinking-2025-05-14"},
	}, greedy)
	if err != nil || len(beta.Content) != 1 || beta.Content[0].Text != msg.Content[0].Text {
		t.Fatalf("beta: %v %+v", msgErrorText(err), beta)
	}
}

// weatherParams asks for a call of get_weather, forced by choice.
func weatherParams(choice anthropic.ToolChoiceUnionParam) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     embedded.Name,
		MaxTokens: 200,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("What is the weather in Paris?"))},
		Tools: []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
			Name:        "get_weather",
			Description: anthropic.String("Current weather in a city"),
			InputSchema: anthropic.ToolInputSchemaParam{
				Properties:  map[string]any{"city": map[string]any{"enum": []string{"Paris", "Oslo"}}},
				Required:    []string{"city"},
				ExtraFields: map[string]any{"additionalProperties": false},
			},
		}}},
		ToolChoice: choice,
	}
}

// weatherCall checks that msg is exactly one valid get_weather call and
// returns it.
func weatherCall(t *testing.T, msg anthropic.Message) anthropic.ContentBlockUnion {
	t.Helper()
	if msg.StopReason != anthropic.StopReasonToolUse || len(msg.Content) != 1 || msg.Content[0].Type != "tool_use" {
		t.Fatalf("want one tool_use block and stop_reason tool_use: %s", msg.RawJSON())
	}
	b := msg.Content[0]
	var in map[string]any
	if err := json.Unmarshal(b.Input, &in); err != nil || b.Name != "get_weather" || !strings.HasPrefix(b.ID, "toolu_") || len(in) != 1 || (in["city"] != "Paris" && in["city"] != "Oslo") {
		t.Fatalf("call %s: %v", b.RawJSON(), err)
	}
	return b
}

// TestMessagesClientToolRoundTrip: a forced call (tool_choice any, then
// tool, streamed), its tool_result sent back, and the model's answer.
func TestMessagesClientToolRoundTrip(t *testing.T) {
	_, c := msgFixture(t)
	ctx := context.Background()
	p := weatherParams(anthropic.ToolChoiceUnionParam{OfAny: &anthropic.ToolChoiceAnyParam{}})
	msg, err := c.Messages.New(ctx, p, greedy)
	if err != nil {
		t.Fatalf("forced call: %v", msgErrorText(err))
	}
	call := weatherCall(t, *msg)
	t.Logf("call %s", call.Input)

	// Named and streamed: the input arrives as input_json_delta.
	named := weatherParams(anthropic.ToolChoiceParamOfTool("get_weather"))
	got, types := streamedMessage(t, c, named, greedy)
	checkEventOrder(t, types)
	if !slices.Contains(types, "content_block_delta") {
		t.Fatalf("no input_json_delta: %v", types)
	}
	if sc := weatherCall(t, got); string(sc.Input) != string(call.Input) {
		t.Fatalf("streamed call %s, not streamed %s", sc.Input, call.Input)
	}

	// The result goes back; with tool_choice none the model answers in text.
	p.Messages = append(p.Messages, msg.ToParam(), anthropic.NewUserMessage(anthropic.NewToolResultBlock(call.ID, "18°C and sunny", false)))
	p.ToolChoice = anthropic.ToolChoiceUnionParam{OfNone: &anthropic.ToolChoiceNoneParam{}}
	p.MaxTokens = 16
	ans, err := c.Messages.New(ctx, p, greedy)
	if err != nil {
		t.Fatalf("answer: %v", msgErrorText(err))
	}
	if len(ans.Content) != 1 || ans.Content[0].Type != "text" || ans.Content[0].Text == "" ||
		(ans.StopReason != anthropic.StopReasonEndTurn && ans.StopReason != anthropic.StopReasonMaxTokens) {
		t.Fatalf("answer %s", ans.RawJSON())
	}
	t.Logf("answer %q", ans.Content[0].Text)

	// Cut by max_tokens, a forced call is no call and no text.
	p = weatherParams(anthropic.ToolChoiceUnionParam{OfAny: &anthropic.ToolChoiceAnyParam{}})
	p.MaxTokens = 3
	cut, err := c.Messages.New(ctx, p, greedy)
	if err != nil || cut.StopReason != anthropic.StopReasonMaxTokens || len(cut.Content) != 0 {
		t.Fatalf("cut call: %v %s", msgErrorText(err), cut.RawJSON())
	}
	cutStream, _ := streamedMessage(t, c, p, greedy)
	if cutStream.StopReason != anthropic.StopReasonMaxTokens || len(cutStream.Content) != 0 {
		t.Fatalf("cut streamed call: %s", cutStream.RawJSON())
	}
}

// TestMessagesClientCountTokens: count_tokens gives the prompt length that
// the same request is then charged, tools included.
func TestMessagesClientCountTokens(t *testing.T) {
	_, c := msgFixture(t)
	ctx := context.Background()
	p := weatherParams(anthropic.ToolChoiceUnionParam{OfAny: &anthropic.ToolChoiceAnyParam{}})
	p.System = []anthropic.TextBlockParam{{Text: "You report the weather."}}
	count, err := c.Messages.CountTokens(ctx, anthropic.MessageCountTokensParams{
		Model:      p.Model,
		Messages:   p.Messages,
		System:     anthropic.MessageCountTokensParamsSystemUnion{OfString: anthropic.String("You report the weather.")},
		Tools:      []anthropic.MessageCountTokensToolUnionParam{{OfTool: p.Tools[0].OfTool}},
		ToolChoice: p.ToolChoice,
	})
	if err != nil {
		t.Fatalf("count: %v", msgErrorText(err))
	}
	msg, err := c.Messages.New(ctx, p, greedy)
	if err != nil {
		t.Fatalf("new: %v", msgErrorText(err))
	}
	if u := msg.Usage; count.InputTokens == 0 || count.InputTokens != u.InputTokens+u.CacheReadInputTokens {
		t.Fatalf("count_tokens %d, usage %s", count.InputTokens, u.RawJSON())
	}
	// Without the tools the prompt is shorter.
	plain, err := c.Messages.CountTokens(ctx, anthropic.MessageCountTokensParams{Model: p.Model, Messages: p.Messages})
	if err != nil || plain.InputTokens == 0 || plain.InputTokens >= count.InputTokens {
		t.Fatalf("count without tools: %v %d (with tools %d)", msgErrorText(err), plain.InputTokens, count.InputTokens)
	}
}

// msgErrorText is an error with the server's answer, when it sent one.
func msgErrorText(err error) string {
	if err == nil {
		return "<nil>"
	}
	var e *anthropic.Error
	if errors.As(err, &e) {
		return e.Error() + ": " + e.RawJSON()
	}
	return err.Error()
}
