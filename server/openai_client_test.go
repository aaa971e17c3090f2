package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/tensor"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// These tests drive the server with the official OpenAI Go client.

func client(f *fixture) openai.Client {
	return openai.NewClient(option.WithBaseURL(f.ts.URL+"/v1/"), option.WithAPIKey("unused"), option.WithMaxRetries(0))
}

// streamed sends a streaming request and returns the answer the client
// library puts together from its chunks, and how many chunks there were.
func streamed(t *testing.T, c openai.Client, p openai.ChatCompletionNewParams) (openai.ChatCompletionAccumulator, int) {
	t.Helper()
	stream := c.Chat.Completions.NewStreaming(context.Background(), p)
	acc := openai.ChatCompletionAccumulator{}
	chunks := 0
	for stream.Next() {
		acc.AddChunk(stream.Current())
		chunks++
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	return acc, chunks
}

func TestOpenAIClientChat(t *testing.T) {
	f := newScripted(t, replies)
	c := client(f)
	ctx := context.Background()
	resp, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:    "scripted",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Be helpful."), openai.UserMessage("Say hello")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Choices[0].Message.Content; got != "Hello from herd. The answer is 42." || resp.Choices[0].FinishReason != "stop" {
		t.Fatalf("content %q finish %q", got, resp.Choices[0].FinishReason)
	}
	if resp.Usage.CompletionTokens != int64(len("Hello from herd. The answer is 42."))+1 || resp.Usage.PromptTokens == 0 {
		t.Fatalf("usage %+v", resp.Usage)
	}

	// Streaming, accumulated by the client library.
	acc, chunks := streamed(t, c, openai.ChatCompletionNewParams{
		Model:         "scripted",
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Say hello")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	if acc.Choices[0].Message.Content != "Hello from herd. The answer is 42." || chunks < 10 || acc.Usage.TotalTokens == 0 {
		t.Fatalf("streamed %q in %d chunks, usage %+v", acc.Choices[0].Message.Content, chunks, acc.Usage)
	}

	// The model list names the served model; an unknown model is a 404 in the OpenAI shape.
	models, err := c.Models.List(ctx)
	if err != nil || len(models.Data) != 1 || models.Data[0].ID != "scripted" {
		t.Fatalf("models %+v %v", models, err)
	}
	_, err = c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("x")}})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound || apiErr.Code != "model_not_found" {
		t.Fatalf("unknown model: %v", err)
	}
	_, err = c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "scripted", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("x")}, MaxTokens: openai.Int(0)})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "max_tokens" {
		t.Fatalf("max_tokens 0: %v", err)
	}
}

func weatherTool() openai.ChatCompletionToolUnionParam {
	return openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
		Name:        "get_weather",
		Description: openai.String("Current weather in a city"),
		Parameters: shared.FunctionParameters{
			"type":       "object",
			"properties": map[string]any{"city": map[string]any{"type": "string"}, "unit": map[string]any{"type": "string"}},
			"required":   []string{"city"},
		},
	})
}

func TestOpenAIClientToolCalls(t *testing.T) {
	f := newScripted(t, replies)
	c := client(f)
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{
		Model:    "scripted",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("What is the weather in Paris?")},
		Tools:    []openai.ChatCompletionToolUnionParam{weatherTool()},
	}
	resp, err := c.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if ch.FinishReason != "tool_calls" || len(ch.Message.ToolCalls) != 1 {
		t.Fatalf("finish %q calls %+v content %q", ch.FinishReason, ch.Message.ToolCalls, ch.Message.Content)
	}
	call := ch.Message.ToolCalls[0]
	var args map[string]string
	if call.Function.Name != "get_weather" || json.Unmarshal([]byte(call.Function.Arguments), &args) != nil || args["city"] != "Paris" || call.ID == "" {
		t.Fatalf("call %+v", call)
	}

	// Streamed: the accumulator must rebuild the same call.
	acc, _ := streamed(t, c, params)
	sc := acc.Choices[0]
	if sc.FinishReason != "tool_calls" || len(sc.Message.ToolCalls) != 1 || sc.Message.ToolCalls[0].Function.Name != "get_weather" ||
		sc.Message.ToolCalls[0].Function.Arguments != call.Function.Arguments {
		t.Fatalf("streamed calls %+v finish %q", sc.Message.ToolCalls, sc.FinishReason)
	}

	// Two pythonic calls inside <|python_start|> tags (only declared tools are calls).
	params.Messages = []openai.ChatCompletionMessageParamUnion{openai.UserMessage("use two tools")}
	params.Tools = append(params.Tools, openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{Name: "get_time"}))
	resp, err = c.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	calls := resp.Choices[0].Message.ToolCalls
	if len(calls) != 2 || calls[0].Function.Name != "get_time" || calls[1].Function.Arguments != `{"city":"Oslo"}` {
		t.Fatalf("pythonic calls %+v", calls)
	}

	// The conversation continues with the tool result.
	params.Messages = []openai.ChatCompletionMessageParamUnion{
		openai.UserMessage("What is the weather in Paris?"),
		resp.Choices[0].Message.ToParam(),
		openai.ToolMessage(`{"temp": 21}`, calls[0].ID),
	}
	if _, err := c.Chat.Completions.New(ctx, params); err != nil {
		t.Fatalf("tool result turn: %v", err)
	}
}

// TestOpenAIClientJSONSchema: with a random-weight model (whose free output
// is noise), json_object and json_schema answers still always parse and
// validate, because decoding is constrained.
func TestOpenAIClientJSONSchema(t *testing.T) {
	f := newFixture(t, emptyEngine, Options{})
	c := client(f)
	ctx := context.Background()
	schema := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"name":  map[string]any{"type": "string", "maxLength": 12},
			"age":   map[string]any{"type": "integer"},
			"tags":  map[string]any{"type": "array", "items": map[string]any{"enum": []string{"a", "b"}}, "maxItems": 3},
			"happy": map[string]any{"type": "boolean"},
		},
		"required":             []string{"name", "age", "tags", "happy"},
		"additionalProperties": false,
	}
	for seed := int64(0); seed < 4; seed++ {
		resp, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model:       "tiny-test",
			Messages:    []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Describe a person as JSON.")},
			Seed:        openai.Int(seed),
			Temperature: openai.Float(1),
			MaxTokens:   openai.Int(300),
			ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
				JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "person", Schema: schema, Strict: openai.Bool(true)},
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Name  *string  `json:"name"`
			Age   *int     `json:"age"`
			Tags  []string `json:"tags"`
			Happy *bool    `json:"happy"`
		}
		out := resp.Choices[0].Message.Content
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil || v.Name == nil || v.Age == nil || v.Happy == nil || len(v.Tags) > 3 || len([]rune(*v.Name)) > 12 {
			t.Fatalf("seed %d: %q does not validate: %v", seed, out, err)
		}
		for _, tag := range v.Tags {
			if tag != "a" && tag != "b" {
				t.Fatalf("seed %d: tag %q not in the enum", seed, tag)
			}
		}
		if resp.Choices[0].FinishReason != "stop" {
			t.Fatalf("seed %d: finish %q", seed, resp.Choices[0].FinishReason)
		}
	}
	// A random-weight model may not close its object within max_tokens for
	// every seed: each answer that finished ("stop") must parse, and some must.
	finished := 0
	for seed := int64(1); seed <= 12; seed++ {
		resp, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model:          "tiny-test",
			Messages:       []openai.ChatCompletionMessageParamUnion{openai.UserMessage("json please")},
			Seed:           openai.Int(seed),
			MaxTokens:      openai.Int(200),
			ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &shared.ResponseFormatJSONObjectParam{}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Choices[0].FinishReason != "stop" {
			continue
		}
		finished++
		var obj map[string]any
		if err := json.Unmarshal([]byte(resp.Choices[0].Message.Content), &obj); err != nil {
			t.Fatalf("seed %d: json_object answer %q: %v", seed, resp.Choices[0].Message.Content, err)
		}
	}
	if finished == 0 {
		t.Fatal("no json_object answer finished within 200 tokens for 12 seeds")
	}
}

// TestOpenAIClientForcedToolCall: with tool_choice "required" (or a named
// function) even a random-weight model answers with a valid call.
func TestOpenAIClientForcedToolCall(t *testing.T) {
	// The byte-level test tokenizer makes the rendered tool definitions long.
	f := newFixture(t, engine.Options{Parallel: 2, Ctx: 2048, KVType: tensor.F32, PrefillChunk: 512, QueueSize: 4}, Options{})
	c := client(f)
	ctx := context.Background()
	for _, choice := range []openai.ChatCompletionToolChoiceOptionUnionParam{
		{OfAuto: openai.String("required")},
		openai.ToolChoiceOptionFunctionToolChoice(openai.ChatCompletionNamedToolChoiceFunctionParam{Name: "get_weather"}),
	} {
		// Bounded parameters: a random-weight model would otherwise write
		// strings until max_tokens.
		tool := openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name: "get_weather",
			Parameters: shared.FunctionParameters{
				"type":       "object",
				"properties": map[string]any{"city": map[string]any{"enum": []string{"Paris", "Oslo"}}, "celsius": map[string]any{"type": "boolean"}},
				"required":   []string{"city", "celsius"},
			},
		})
		resp, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model:      "tiny-test",
			Messages:   []openai.ChatCompletionMessageParamUnion{openai.UserMessage("weather?")},
			Tools:      []openai.ChatCompletionToolUnionParam{tool},
			ToolChoice: choice,
			MaxTokens:  openai.Int(300),
			Seed:       openai.Int(3),
		})
		if err != nil {
			t.Fatal(err)
		}
		ch := resp.Choices[0]
		if ch.FinishReason != "tool_calls" || len(ch.Message.ToolCalls) != 1 || ch.Message.ToolCalls[0].Function.Name != "get_weather" {
			t.Fatalf("forced call: finish %q calls %+v content %q", ch.FinishReason, ch.Message.ToolCalls, ch.Message.Content)
		}
		var args map[string]any
		if err := json.Unmarshal([]byte(ch.Message.ToolCalls[0].Function.Arguments), &args); err != nil {
			t.Fatalf("arguments %q: %v", ch.Message.ToolCalls[0].Function.Arguments, err)
		}
		if city, _ := args["city"].(string); city != "Paris" && city != "Oslo" {
			t.Fatalf("city not in the enum: %v", args)
		}
		if _, ok := args["celsius"].(bool); !ok {
			t.Fatalf("celsius missing or not a boolean: %v", args)
		}
	}
}
