package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/herd-llm/herd/embedded"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/tensor"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"
)

// These tests ask for structured outputs through the official OpenAI Go
// client and check every constraint of the schema in the answer, on a
// random-weight model and on the built-in Shakespeare model, as a JSON
// answer and as the arguments of a forced tool call.

// eventSchema uses the keywords structured outputs offer: integer bounds
// (inclusive and exclusive), pattern, the string formats, and array bounds
// with unique items.
var eventSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"count":  map[string]any{"type": "integer", "minimum": 3, "maximum": 17},
		"delta":  map[string]any{"type": "integer", "exclusiveMinimum": -5, "exclusiveMaximum": 5},
		"code":   map[string]any{"type": "string", "pattern": "^[A-Z]{3}-[0-9]{2,4}$"},
		"day":    map[string]any{"type": "string", "format": "date"},
		"at":     map[string]any{"type": "string", "format": "date-time"},
		"id":     map[string]any{"type": "string", "format": "uuid"},
		"email":  map[string]any{"type": "string", "format": "email", "maxLength": 40},
		"ip":     map[string]any{"type": "string", "format": "ipv4"},
		"colors": map[string]any{"type": "array", "items": map[string]any{"enum": []string{"red", "green", "blue", "black"}}, "minItems": 2, "maxItems": 3, "uniqueItems": true},
		"digits": map[string]any{"type": "array", "items": map[string]any{"type": "integer", "minimum": 0, "maximum": 9}, "minItems": 1, "maxItems": 4},
	},
	"required":             []string{"count", "delta", "code", "day", "at", "id", "email", "ip", "colors", "digits"},
	"additionalProperties": false,
}

var (
	codeRe = regexp.MustCompile(`^[A-Z]{3}-[0-9]{2,4}$`)
	uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// eventChecks check each property of eventSchema, from its JSON text.
var eventChecks = map[string]func(raw []byte) error{
	"count": intIn(3, 17),
	"delta": intIn(-4, 4), // exclusive bounds -5 and 5
	"code":  stringOK(func(v string) bool { return codeRe.MatchString(v) }),
	"day":   stringOK(func(v string) bool { _, err := time.Parse(time.DateOnly, v); return err == nil }),
	"at":    stringOK(func(v string) bool { _, err := time.Parse(time.RFC3339Nano, v); return err == nil }),
	"id":    stringOK(func(v string) bool { return uuidRe.MatchString(v) }),
	"email": stringOK(func(v string) bool {
		a, err := mail.ParseAddress(v)
		return err == nil && a.Address == v && len([]rune(v)) <= 40
	}),
	"ip": stringOK(func(v string) bool {
		ip := net.ParseIP(v)
		return ip != nil && ip.To4() != nil && !strings.Contains(v, ":")
	}),
	"colors": func(raw []byte) error {
		var cs []string
		if err := json.Unmarshal(raw, &cs); err != nil || len(cs) < 2 || len(cs) > 3 {
			return fmt.Errorf("want 2 to 3 strings (%v)", err)
		}
		seen := map[string]bool{}
		for _, c := range cs {
			if !slices.Contains([]string{"red", "green", "blue", "black"}, c) || seen[c] {
				return fmt.Errorf("%q is not unique or not in the enum", c)
			}
			seen[c] = true
		}
		return nil
	},
	"digits": func(raw []byte) error {
		var ds []json.RawMessage
		if err := json.Unmarshal(raw, &ds); err != nil || len(ds) < 1 || len(ds) > 4 {
			return fmt.Errorf("want 1 to 4 items (%v)", err)
		}
		for _, d := range ds {
			if err := intIn(0, 9)(d); err != nil {
				return err
			}
		}
		return nil
	},
}

// intIn checks a JSON integer (not 1.0, not 1e0) in [lo, hi].
func intIn(lo, hi int64) func([]byte) error {
	return func(raw []byte) error {
		var v int64
		if err := json.Unmarshal(raw, &v); err != nil || v < lo || v > hi {
			return fmt.Errorf("%s is not an integer in [%d, %d] (%v)", raw, lo, hi, err)
		}
		return nil
	}
}

// stringOK checks a JSON string with ok.
func stringOK(ok func(string) bool) func([]byte) error {
	return func(raw []byte) error {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil || !ok(v) {
			return fmt.Errorf("%s is not valid here (%v)", raw, err)
		}
		return nil
	}
}

// checkEvent parses out as eventSchema's JSON and checks each constraint:
// every property present, no other (additionalProperties: false), each
// valid.
func checkEvent(out string) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &obj); err != nil {
		return fmt.Errorf("does not parse: %w", err)
	}
	if len(obj) != len(eventChecks) {
		return fmt.Errorf("%d properties, want %d", len(obj), len(eventChecks))
	}
	for name, check := range eventChecks {
		raw, ok := obj[name]
		if !ok {
			return fmt.Errorf("property %q is missing", name)
		}
		if err := check(raw); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func TestCheckEvent(t *testing.T) {
	good := `{"count":3,"delta":-4,"code":"ABC-123","day":"2024-02-29","at":"2024-02-29T23:59:59.5Z","id":"123e4567-e89b-12d3-a456-426614174000",` +
		`"email":"a.b@c.de","ip":"10.0.0.255","colors":["red","blue"],"digits":[0,9]}`
	if err := checkEvent(good); err != nil {
		t.Fatalf("valid event rejected: %v", err)
	}
	for _, tc := range []struct{ from, to string }{
		{`"count":3`, `"count":18`}, {`"count":3`, `"count":3.5`}, {`"delta":-4`, `"delta":-5`}, {`"delta":-4`, `"delta":5`},
		{`ABC-123`, `AB-123`}, {`2024-02-29"`, `2023-02-29"`}, {`23:59:59.5Z`, `24:00:00Z`}, {`426614174000`, `42661417400`},
		{`a.b@c.de`, `a b@c.de`}, {`10.0.0.255`, `10.0.0.256`}, {`["red","blue"]`, `["red","red"]`}, {`["red","blue"]`, `["red"]`},
		{`["red","blue"]`, `["red","pink"]`}, {`[0,9]`, `[0,10]`}, {`[0,9]`, `[]`}, {`"digits":[0,9]`, `"digits":[0,9],"x":1`},
		{`,"digits":[0,9]`, ``},
	} {
		bad := strings.Replace(good, tc.from, tc.to, 1)
		if bad == good {
			t.Fatalf("%q not in the valid event", tc.from)
		}
		if checkEvent(bad) == nil {
			t.Errorf("invalid event accepted: %s", bad)
		}
	}
}

// shakespeareFixture serves the built-in model through the real engine.
func shakespeareFixture(t *testing.T) *fixture {
	t.Helper()
	m, tok, err := embedded.Load()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(m, engine.Options{Parallel: 2, Ctx: 4096, KVType: tensor.F32, PrefillChunk: 1024, QueueSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { eng.Run(t.Context()); close(done) }() // t.Context ends before the cleanups run
	t.Cleanup(func() { <-done })
	srv := New(m.Config, tok, eng, Options{ModelName: embedded.Name})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &fixture{srv: srv, ts: ts, eng: eng, m: m, tok: tok}
}

// TestOpenAIClientStructured: json_schema answers and forced tool calls
// (tool_choice "required" and named) validate against eventSchema, on the
// random-weight test model and on the built-in model, streamed or not.
func TestOpenAIClientStructured(t *testing.T) {
	models := []struct {
		name  string
		f     func(t *testing.T) *fixture
		seeds int64
	}{
		{"tiny-test", func(t *testing.T) *fixture {
			// The byte-level test tokenizer makes the rendered tool definitions long.
			return newFixture(t, engine.Options{Parallel: 2, Ctx: 4096, KVType: tensor.F32, PrefillChunk: 1024, QueueSize: 8}, Options{})
		}, 3},
		{embedded.Name, shakespeareFixture, 2},
	}
	if testing.Short() {
		models = models[1:] // the built-in model is the faster one
	}
	tool := openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{Name: "log_event", Parameters: eventSchema})
	for _, mod := range models {
		t.Run(mod.name, func(t *testing.T) {
			f := mod.f(t)
			c := client(f)
			ctx := context.Background()
			for seed := range mod.seeds {
				base := openai.ChatCompletionNewParams{
					Model:       mod.name,
					Messages:    []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Log an event.")},
					Seed:        openai.Int(seed),
					Temperature: openai.Float(1),
					MaxTokens:   openai.Int(1000),
				}
				schema := base
				schema.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
					JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "event", Schema: eventSchema, Strict: openai.Bool(true)},
				}}
				resp, err := c.Chat.Completions.New(ctx, schema)
				if err != nil {
					t.Fatalf("json_schema: %v", apiErrorText(err))
				}
				out := resp.Choices[0].Message.Content
				if err := checkEvent(out); err != nil || resp.Choices[0].FinishReason != "stop" {
					t.Fatalf("seed %d: json_schema answer %q (finish %q): %v", seed, out, resp.Choices[0].FinishReason, err)
				}
				t.Logf("seed %d: %s", seed, out)
				// Streamed, the same request gives the same answer.
				acc, _ := streamed(t, c, schema)
				if got := acc.Choices[0].Message.Content; got != out {
					t.Fatalf("seed %d: streamed %q, not streamed %q", seed, got, out)
				}
				for _, choice := range []openai.ChatCompletionToolChoiceOptionUnionParam{
					{OfAuto: openai.String("required")},
					openai.ToolChoiceOptionFunctionToolChoice(openai.ChatCompletionNamedToolChoiceFunctionParam{Name: "log_event"}),
				} {
					call := base
					call.Tools = []openai.ChatCompletionToolUnionParam{tool}
					call.ToolChoice = choice
					resp, err := c.Chat.Completions.New(ctx, call)
					if err != nil {
						t.Fatalf("forced call: %v", apiErrorText(err))
					}
					ch := resp.Choices[0]
					if ch.FinishReason != "tool_calls" || len(ch.Message.ToolCalls) != 1 || ch.Message.ToolCalls[0].Function.Name != "log_event" || ch.Message.Content != "" {
						t.Fatalf("seed %d: forced call: finish %q calls %+v content %q", seed, ch.FinishReason, ch.Message.ToolCalls, ch.Message.Content)
					}
					args := ch.Message.ToolCalls[0].Function.Arguments
					if err := checkEvent(args); err != nil {
						t.Fatalf("seed %d: forced call arguments %q: %v", seed, args, err)
					}
					t.Logf("seed %d: call %s", seed, args)
				}
			}
		})
	}
}

// apiErrorText is an error with the server's message, when it sent one.
func apiErrorText(err error) string {
	var e *openai.Error
	if errors.As(err, &e) {
		return fmt.Sprintf("%v: %s", err, e.RawJSON())
	}
	return err.Error()
}
