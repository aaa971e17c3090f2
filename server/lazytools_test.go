package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/herd-llm/herd/embedded"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/tensor"
)

// lazyReplies are calls the scripted model writes under tool_choice "auto",
// some against get_weather's schema (city is "Paris" or "Oslo", nothing
// else), with what the answer holds with the lazy constraint on and off.
var lazyReplies = []struct {
	name, reply string
	content     string   // with the constraint on and off
	on, off     []string // the calls, "name args"
}{
	{"wrong value", `I'll check. {"name": "get_weather", "parameters": {"city": "Lyon"}}`, "I'll check.",
		[]string{`get_weather {"city":"Oslo"}`}, []string{`get_weather {"city":"Lyon"}`}},
	{"wrong key", `{"name": "get_weather", "parameters": {"town": "Paris"}}`, "",
		[]string{`get_weather {"city":"Paris"}`}, []string{`get_weather {"town":"Paris"}`}},
	{"type and arguments", `{"type": "function", "name": "get_weather", "arguments": {"city": "Lyon"}}`, "",
		[]string{`get_weather {"city":"Oslo"}`}, []string{`get_weather {"city":"Lyon"}`}},
	{"in a list", `[{"name": "get_weather", "parameters": {"city": "Paris"}}, {"name": "get_weather", "parameters": {"city": "Rome"}}]`, "",
		[]string{`get_weather {"city":"Paris"}`, `get_weather {"city":"Oslo"}`}, []string{`get_weather {"city":"Paris"}`, `get_weather {"city":"Rome"}`}},
	{"sequence", "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}};\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}", "",
		[]string{`get_weather {"city":"Paris"}`, `get_weather {"city":"Oslo"}`}, []string{`get_weather {"city":"Paris"}`, `get_weather {"city":"Rome"}`}},
	{"fenced", "```json\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Lyon\"}}\n```", "",
		[]string{`get_weather {"city":"Oslo"}`}, []string{`get_weather {"city":"Lyon"}`}},
	{"tagged", `<|python_start|>{"name": "get_weather", "parameters": {"city": "Lyon"}}<|python_end|>`, "",
		[]string{`get_weather {"city":"Oslo"}`}, []string{`get_weather {"city":"Lyon"}`}},
	{"template form", `<|python_start|>Checking.<|python_end|>{"name": "get_weather", "parameters": {"city": "Lyon"}}`, "Checking.",
		[]string{`get_weather {"city":"Oslo"}`}, []string{`get_weather {"city":"Lyon"}`}},
	{"arguments first", `{"parameters": {"city": "Lyon"}, "name": "get_weather"}`, "",
		[]string{`get_weather {"city":"Lyon"}`}, []string{`get_weather {"city":"Lyon"}`}},
	{"valid, then text", `{"name": "get_weather", "parameters": {"city": "Paris"}} Done.`, "Done.",
		[]string{`get_weather {"city":"Paris"}`}, []string{`get_weather {"city":"Paris"}`}},
	{"pythonic stays free", `[get_weather(city="Lyon")]`, "",
		[]string{`get_weather {"city":"Lyon"}`}, []string{`get_weather {"city":"Lyon"}`}},
	{"undeclared", `{"name": "dict", "parameters": {"a": 1}}`, `{"name": "dict", "parameters": {"a": 1}}`, nil, nil},
}

// TestLazyToolConstraint: under tool_choice "auto", a JSON call the model
// starts of a declared tool is constrained to its schema from the moment
// the extractor recognises it (greedy decoding picks the smallest allowed
// byte where the script's is masked: "Oslo" for "Lyon"); the text around it,
// pythonic calls and undeclared names are left as they are. Options
// NoLazyTools turns it off.
func TestLazyToolConstraint(t *testing.T) {
	reply := func(prompt string) string {
		for _, r := range lazyReplies {
			if strings.Contains(prompt, "case "+r.name+".") {
				return r.reply
			}
		}
		return "no case"
	}
	const tools = `"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",` +
		`"properties":{"city":{"enum":["Paris","Oslo"]}},"required":["city"],"additionalProperties":false}}}]`
	for _, lazy := range []bool{true, false} {
		inner := tinymodel.ByteModel(t, 0, 1)
		tok := byteTokenizer(t)
		sm := &scripted{tok: tok, inner: inner, reply: reply}
		o := engine.Options{Parallel: 4, Ctx: 2048, KVType: tensor.F32, PrefillChunk: 4096, QueueSize: 16}
		f := serve(t, sm, inner, tok, o, Options{ModelName: "scripted", NoLazyTools: !lazy})
		for _, tc := range lazyReplies {
			t.Run(fmt.Sprintf("%s/lazy=%v", tc.name, lazy), func(t *testing.T) {
				body := fmt.Sprintf(`{"messages":[{"role":"user","content":"case %s."}],%s,"temperature":0}`, tc.name, tools)
				resp, b := post(t, f, "/v1/chat/completions", body)
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, b)
				}
				got := chatReply(t, b)
				var calls []string
				for _, c := range got.calls {
					calls = append(calls, c.name+" "+c.args)
				}
				want := tc.off
				if lazy {
					want = tc.on
				}
				content := ""
				if got.content != nil {
					content = *got.content
				}
				if fmt.Sprint(calls) != fmt.Sprint(want) || content != tc.content {
					t.Fatalf("calls %q content %q, want %q %q: %s", calls, content, want, tc.content, b)
				}
				for _, c := range got.calls {
					if !json.Valid([]byte(c.args)) {
						t.Fatalf("arguments %s do not parse", c.args)
					}
				}
			})
		}
	}
}

// TestLazyToolConstraintBPE: the same with the built-in model's BPE
// tokenizer, whose tokens cross the call's edges (` {"`, `"}}`): the
// constraint starts inside the token that opens the call and the
// arguments follow the schema.
func TestLazyToolConstraintBPE(t *testing.T) {
	m, tok, err := embedded.Load()
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"one":  `I'll check. {"name": "get_weather", "parameters": {"city": "Lyon"}}`,
		"two":  `{"type": "function", "name": "get_weather", "arguments": {"town": "Rome", "days": 3}}`,
		"list": `[{"name": "get_weather", "parameters": {"city": "Paris"}}, {"name": "get_weather", "parameters": {"city": "Berlin"}}]`,
	}
	reply := func(prompt string) string {
		for k, v := range cases {
			if strings.Contains(prompt, "case "+k+".") {
				return v
			}
		}
		return "no case"
	}
	sm := &scripted{tok: tok, inner: m, reply: reply}
	o := engine.Options{Parallel: 2, Ctx: 2048, KVType: tensor.F32, PrefillChunk: 4096, QueueSize: 8}
	f := serve(t, sm, m, tok, o, Options{ModelName: "scripted"})
	const tools = `"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",` +
		`"properties":{"city":{"enum":["Paris","Oslo"]}},"required":["city"],"additionalProperties":false}}}]`
	for name, want := range map[string]int{"one": 1, "two": 1, "list": 2} {
		t.Run(name, func(t *testing.T) {
			body := fmt.Sprintf(`{"messages":[{"role":"user","content":"case %s."}],%s,"temperature":0}`, name, tools)
			resp, b := post(t, f, "/v1/chat/completions", body)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			got := chatReply(t, b)
			if len(got.calls) != want {
				t.Fatalf("%d calls, want %d: %s", len(got.calls), want, b)
			}
			for _, c := range got.calls {
				var args map[string]any
				if err := json.Unmarshal([]byte(c.args), &args); err != nil || len(args) != 1 || (args["city"] != "Paris" && args["city"] != "Oslo") {
					t.Fatalf("arguments %s break the schema: %s", c.args, b)
				}
			}
			t.Logf("%s", got)
		})
	}
}
