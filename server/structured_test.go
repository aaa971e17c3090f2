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

// checkEvent parses out as eventSchema's JSON and checks each constraint.
func checkEvent(out string) error {
	var v struct {
		Count  *int64   `json:"count"`
		Delta  *int64   `json:"delta"`
		Code   *string  `json:"code"`
		Day    *string  `json:"day"`
		At     *string  `json:"at"`
		ID     *string  `json:"id"`
		Email  *string  `json:"email"`
		IP     *string  `json:"ip"`
		Colors []string `json:"colors"`
		Digits []int64  `json:"digits"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields() // additionalProperties: false; integers must be written as integers
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("does not parse: %w", err)
	}
	if v.Count == nil || v.Delta == nil || v.Code == nil || v.Day == nil || v.At == nil || v.ID == nil || v.Email == nil || v.IP == nil || v.Colors == nil || v.Digits == nil {
		return fmt.Errorf("a required property is missing")
	}
	if *v.Count < 3 || *v.Count > 17 {
		return fmt.Errorf("count %d outside [3, 17]", *v.Count)
	}
	if *v.Delta <= -5 || *v.Delta >= 5 {
		return fmt.Errorf("delta %d outside (-5, 5)", *v.Delta)
	}
	if !codeRe.MatchString(*v.Code) {
		return fmt.Errorf("code %q does not match the pattern", *v.Code)
	}
	if _, err := time.Parse(time.DateOnly, *v.Day); err != nil {
		return fmt.Errorf("day: %w", err)
	}
	if _, err := time.Parse(time.RFC3339Nano, *v.At); err != nil {
		return fmt.Errorf("at: %w", err)
	}
	if !uuidRe.MatchString(*v.ID) {
		return fmt.Errorf("id %q is not a uuid", *v.ID)
	}
	if a, err := mail.ParseAddress(*v.Email); err != nil || a.Address != *v.Email || len([]rune(*v.Email)) > 40 {
		return fmt.Errorf("email %q: not an address of at most 40 characters (%v)", *v.Email, err)
	}
	if ip := net.ParseIP(*v.IP); ip == nil || ip.To4() == nil || strings.Contains(*v.IP, ":") {
		return fmt.Errorf("ip %q is not an IPv4 address", *v.IP)
	}
	if len(v.Colors) < 2 || len(v.Colors) > 3 {
		return fmt.Errorf("%d colors, want 2 to 3", len(v.Colors))
	}
	seen := map[string]bool{}
	for _, c := range v.Colors {
		if !slices.Contains([]string{"red", "green", "blue", "black"}, c) || seen[c] {
			return fmt.Errorf("colors %q: not unique members of the enum", v.Colors)
		}
		seen[c] = true
	}
	if len(v.Digits) < 1 || len(v.Digits) > 4 {
		return fmt.Errorf("%d digits, want 1 to 4", len(v.Digits))
	}
	for _, d := range v.Digits {
		if d < 0 || d > 9 {
			return fmt.Errorf("digit %d outside [0, 9]", d)
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
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	srv := New(m.Config, tok, eng, Options{ModelName: embedded.Name})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); cancel(); <-done })
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
