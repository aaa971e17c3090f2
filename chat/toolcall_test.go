package chat

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// call is a ToolCall written compactly for tables.
func call(name, args string) ToolCall { return ToolCall{Name: name, Arguments: json.RawMessage(args)} }

// sameCalls compares calls, arguments as text.
func sameCalls(a, b []ToolCall) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || string(a[i].Arguments) != string(b[i].Arguments) {
			return false
		}
	}
	return true
}

// toolCallCases are shared by the batch and the streaming tests. A case with
// no calls expects its whole text back as content.
var toolCallCases = []struct {
	name    string
	text    string
	content string
	calls   []ToolCall
}{
	// pythonic
	{"pythonic one", `[get_weather(city="Paris")]`, "", []ToolCall{call("get_weather", `{"city":"Paris"}`)}},
	{"pythonic two", ` [a(x=1, y=-2.5), b()]` + "\n", "", []ToolCall{call("a", `{"x":1,"y":-2.5}`), call("b", `{}`)}},
	{"pythonic values", `[f(t=True, f=False, n=None, l=[1, "two", (3, 4)], d={"k": {'n': [None]}}, e=1e3, u=1_000, z=007)]`, "",
		[]ToolCall{call("f", `{"t":true,"f":false,"n":null,"l":[1,"two",[3,4]],"d":{"k":{"n":[null]}},"e":1e3,"u":1000,"z":7}`)}},
	{"pythonic strings with brackets and quotes", `[search(q='a [b] (c) {d}, "e"', r="it's \"x\"\n\u00e9\\", s=r'\d+')]`, "",
		[]ToolCall{call("search", `{"q":"a [b] (c) {d}, \"e\"","r":"it's \"x\"\né\\","s":"\\d+"}`)}},
	{"pythonic triple quotes", "[run(code=\"\"\"print('hi')\nx = [1]\"\"\")]", "", []ToolCall{call("run", `{"code":"print('hi')\nx = [1]"}`)}},
	{"pythonic dotted name, unicode, trailing commas", `[brave_search.call(query="東京 <b>&</b>", n=3,),]`, "",
		[]ToolCall{call("brave_search.call", `{"query":"東京 <b>&</b>","n":3}`)}},
	// JSON
	{"json one", `{"name": "get_weather", "parameters": {"city": "Paris"}}`, "", []ToolCall{call("get_weather", `{"city":"Paris"}`)}},
	{"json arguments key and string arguments", `{"name": "f", "arguments": "{\"a\": [1, {\"b\": \"]}\"}]}"}`, "",
		[]ToolCall{call("f", `{"a":[1,{"b":"]}"}]}`)}},
	{"json array", `[{"name": "a", "parameters": {}}, {"name": "b", "parameters": {"x": "[}\"{"}}]`, "",
		[]ToolCall{call("a", `{}`), call("b", `{"x":"[}\"{"}`)}},
	{"json separated", "{\"name\": \"a\", \"parameters\": {\"n\": {\"deep\": [1, [2, [3]]]}}};\n{\"name\": \"b\", \"parameters\": {}}", "",
		[]ToolCall{call("a", `{"n":{"deep":[1,[2,[3]]]}}`), call("b", `{}`)}},
	// tags
	{"python tags json", `<|python_start|>{"name": "f", "parameters": {"a": 1}}<|python_end|>`, "", []ToolCall{call("f", `{"a":1}`)}},
	{"content then python tags", `Let me check.<|python_start|>[f(a=1)]<|python_end|>`, "Let me check.", []ToolCall{call("f", `{"a":1}`)}},
	{"python tags without end", `<|python_start|>[f(a="x")]`, "", []ToolCall{call("f", `{"a":"x"}`)}},
	{"python tags bare pythonic", `<|python_start|>f(a=1), g(b=2)<|python_end|>`, "", []ToolCall{call("f", `{"a":1}`), call("g", `{"b":2}`)}},
	{"template form", `<|python_start|>thinking<|python_end|>{"name": "a", "parameters": {}}{"name": "b", "parameters": {"k": "v"}}`,
		"thinking", []ToolCall{call("a", `{}`), call("b", `{"k":"v"}`)}},
	// plain content and malformed calls
	{"plain", "The capital of France is Paris.", "", nil},
	{"empty", "", "", nil},
	{"spaces", "  \n", "", nil},
	{"markdown link", "[herd](https://example.com) is fast", "", nil},
	{"list of numbers", "[1, 2, 3]", "", nil},
	{"empty list", "[]", "", nil},
	// cut off, or malformed after the call was recognised: the call stands,
	// its arguments closed (docs/tool-calls.md)

	{"positional argument", `[f(1)]`, "", nil},
	{"text after list", `[f(a=1)] and then`, "and then", []ToolCall{call("f", `{"a":1}`)}},
	{"bare value becomes a string", `[f(a=undefined)]`, "", []ToolCall{call("f", `{"a":"undefined"}`)}},
	{"duplicate argument", `[f(a=1, a=2)]`, "", []ToolCall{call("f", `{"a":1}`)}},
	{"json without name", `{"parameters": {}}`, "", nil},
	{"json data, not a call", `{"name": "Bob", "age": 3}`, "", nil},
	{"json parameters not object", `{"name": "f", "parameters": [1]}`, "", []ToolCall{call("f", `{}`)}},

	{"bad json", `{"name": "f", parameters: {}}`, "", nil},
	{"text after json", `{"name": "f", "parameters": {}} ok?`, "ok?", []ToolCall{call("f", `{}`)}},
	{"python block of code", "Here:<|python_start|>print('hi')<|python_end|>", "", nil},
	{"deep nesting", "[f(a=" + strings.Repeat("[", 200) + strings.Repeat("]", 200) + ")]", "",
		[]ToolCall{call("f", `{"a":`+strings.Repeat("[", 65)+strings.Repeat("]", 65)+`}`)}},
}

func TestParseToolCalls(t *testing.T) {
	for _, c := range toolCallCases {
		content, calls := ParseToolCalls(c.text)
		wantContent := c.content
		if c.calls == nil {
			wantContent = c.text
		}
		if content != wantContent || !sameCalls(calls, c.calls) {
			t.Errorf("%s: ParseToolCalls(%q)\n got %q %s\nwant %q %s", c.name, c.text, content, fmtCalls(calls), wantContent, fmtCalls(c.calls))
		}
	}
}

// TestParseToolCallsDropsCutCalls: a call cut off by the end of the text is
// neither a call nor content for the older API (Extract reports it with
// Result.Cut).
func TestParseToolCallsDropsCutCalls(t *testing.T) {
	cases := []struct {
		text    string
		content string
		calls   []ToolCall
	}{
		{`[f(a="x"`, "", nil},
		{`[f(a="x)]`, "", nil},
		{`{"name": "f", "parameters": {"a": `, "", nil},
		{`Sure. [f(a=1), g(b=`, "Sure.", []ToolCall{call("f", `{"a":1}`)}},
		{`[f(a=1)`, "", []ToolCall{call("f", `{"a":1}`)}}, // the call is whole, its list is not
	}
	for _, c := range cases {
		content, calls := ParseToolCalls(c.text)
		if content != c.content || !sameCalls(calls, c.calls) {
			t.Errorf("ParseToolCalls(%q) = %q %s, want %q %s", c.text, content, fmtCalls(calls), c.content, fmtCalls(c.calls))
		}
		if !anyNameExtractor.Extract(c.text).Cut {
			t.Errorf("Extract(%q).Cut is false", c.text)
		}
		if content, calls := streamParse(split(c.text, []int{len(c.text) / 2})); content != c.content || !sameCalls(calls, c.calls) {
			t.Errorf("StreamParser(%q) = %q %s", c.text, content, fmtCalls(calls))
		}
	}
}

func fmtCalls(cs []ToolCall) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s%s", c.Name, c.Arguments))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// streamParse feeds text in the given chunks and returns the content and
// calls, checking that content only grows.
func streamParse(chunks []string) (string, []ToolCall) {
	p := NewStreamParser()
	var sb strings.Builder
	for _, c := range chunks {
		sb.WriteString(p.Push(c))
	}
	rest, calls := p.Finish()
	sb.WriteString(rest)
	return sb.String(), calls
}

// split cuts s at the given byte positions.
func split(s string, cuts []int) []string {
	var out []string
	prev := 0
	for _, c := range cuts {
		out = append(out, s[prev:c])
		prev = c
	}
	return append(out, s[prev:])
}

func TestStreamParserMatchesBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range toolCallCases {
		wantContent, wantCalls := ParseToolCalls(c.text)
		for trial := range 30 {
			var cuts []int
			switch trial {
			case 0: // whole
			case 1: // byte by byte
				for i := 1; i < len(c.text); i++ {
					cuts = append(cuts, i)
				}
			default:
				for i := 1; i < len(c.text); i++ {
					if rng.IntN(4) == 0 {
						cuts = append(cuts, i)
					}
				}
			}
			content, calls := streamParse(split(c.text, cuts))
			if content != wantContent || !sameCalls(calls, wantCalls) {
				t.Fatalf("%s, cuts %v: stream gave %q %s, batch %q %s", c.name, cuts, content, fmtCalls(calls), wantContent, fmtCalls(wantCalls))
			}
		}
	}
}

func TestStreamParserReleasesContentEarly(t *testing.T) {
	cases := []struct {
		chunks []string
		early  []string // what each Push returns
		inCall []bool
	}{
		{[]string{"Hello", " world", "."}, []string{"Hello", " world", "."}, []bool{false, false, false}},
		{[]string{"  ", "Hi"}, []string{"", "  Hi"}, []bool{false, false}},
		{[]string{"Sure <|py", "thon_start|>[f(", "a=1)]"}, []string{"Sure", "", ""}, []bool{true, true, true}},
		{[]string{"Use <|", "b|> tags"}, []string{"Use", " <|b|> tags"}, []bool{false, false}},
		{[]string{"[f(", "a=1)]"}, []string{"", ""}, []bool{true, true}},
		{[]string{"[see", " this]"}, []string{"", "[see this]"}, []bool{true, false}},
		{[]string{"{\"name\": \"x\"", ", \"age\": 3}"}, []string{"", "{\"name\": \"x\", \"age\": 3}"}, []bool{true, false}},
	}
	for _, c := range cases {
		p := NewStreamParser()
		for i, chunk := range c.chunks {
			if got := p.Push(chunk); got != c.early[i] {
				t.Errorf("%q: Push #%d = %q, want %q", c.chunks, i, got, c.early[i])
			}
			if got := p.InCall(); got != c.inCall[i] {
				t.Errorf("%q: InCall after #%d = %v", c.chunks, i, got)
			}
		}
	}
}

// TestToolCallRoundTrip renders assistant turns with calls and parses their
// body back.
func TestToolCallRoundTrip(t *testing.T) {
	for _, calls := range [][]ToolCall{
		{call("get_weather", `{"city":"Paris","days":3}`)},
		{call("a", `{}`), call("b", `{"nested":{"l":[1,2,{"s":"]\"["}]}}`)},
	} {
		for _, content := range []string{"", "thinking out loud"} {
			msgs := []Message{{Role: RoleUser, Content: "q"}, {Role: RoleAssistant, Content: content, ToolCalls: calls}}
			text, err := Render(msgs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, body, _ := strings.Cut(text, "<|header_start|>assistant<|header_end|>\n\n")
			body = strings.TrimSuffix(body, eotToken)
			gotContent, gotCalls := ParseToolCalls(body)
			if gotContent != content || !sameCalls(gotCalls, calls) {
				t.Errorf("round trip of %s with %q: got %q %s", fmtCalls(calls), content, gotContent, fmtCalls(gotCalls))
			}
		}
	}
}
