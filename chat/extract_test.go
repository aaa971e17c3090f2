package chat

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// declaredTools are the tools of the extractor tests.
var declaredTools = []string{"get_weather", "calculator", "search", "get_time", "brave_search.call"}

// extractCase is one reply and what Extract must make of it.
type extractCase struct {
	name    string
	text    string
	content string
	calls   []ToolCall
}

// extractCases cover every shape, whole and streamed (see docs/tool-calls.md).
var extractCases = []extractCase{
	// pythonic
	{"pythonic", `[get_weather(city="Paris")]`, "", []ToolCall{call("get_weather", `{"city":"Paris"}`)}},
	{"pythonic several with literals", `[get_weather(city='Köln', days=3, metric=True, hint=None), search(q="it's \"x\"\n", tags=["a", ('b', 2)], opts={'deep': {"n": -1.5e-3}}), get_time()]`, "",
		[]ToolCall{call("get_weather", `{"city":"Köln","days":3,"metric":true,"hint":null}`),
			call("search", `{"q":"it's \"x\"\n","tags":["a",["b",2]],"opts":{"deep":{"n":-1.5e-3}}}`), call("get_time", `{}`)}},
	{"pythonic triple-quoted and raw strings", "[search(q=\"\"\"line \"one\"\nline 2\"\"\", r=r'\\d+\\s', u='\\u00e9\\x41')]", "",
		[]ToolCall{call("search", `{"q":"line \"one\"\nline 2","r":"\\d+\\s","u":"éA"}`)}},
	{"pythonic dotted name", `[brave_search.call(query="herd")]`, "", []ToolCall{call("brave_search.call", `{"query":"herd"}`)}},
	// JSON
	{"json parameters", `{"name": "get_weather", "parameters": {"city": "Paris", "days": [1, 2]}}`, "",
		[]ToolCall{call("get_weather", `{"city":"Paris","days":[1,2]}`)}},
	{"json arguments", `{"name": "calculator", "arguments": {"expression": "2+2"}}`, "", []ToolCall{call("calculator", `{"expression":"2+2"}`)}},
	{"json type function", `{"type": "function", "name": "get_time", "parameters": {}}`, "", []ToolCall{call("get_time", `{}`)}},
	{"json arguments as a string", `{"name": "search", "arguments": "{\"q\": \"a \\\"b\\\" \\u00e9\", \"n\": 2}"}`, "",
		[]ToolCall{call("search", `{"q":"a \"b\" é","n":2}`)}},
	{"json openai shape", `{"id": "call_1", "type": "function", "function": {"name": "search", "arguments": "{\"q\": \"x\"}"}}`, "",
		[]ToolCall{call("search", `{"q":"x"}`)}},
	{"json openai shape list", `[{"type": "function", "function": {"name": "get_time", "arguments": {}}}, {"type": "function", "function": {"name": "search", "arguments": {"q": 1}}}]`, "",
		[]ToolCall{call("get_time", `{}`), call("search", `{"q":1}`)}},
	{"json arguments before the name", "{ \"parameters\"\n:\n {\"n\": -0, \"s\": \"x\"},\n \"name\"\n:\n \"search\"\n }", "",
		[]ToolCall{call("search", `{"n":-0,"s":"x"}`)}},
	{"json arguments before an undeclared name", `{"parameters": {"a": 1}, "name": "send_mail"}`, `{"parameters": {"a": 1}, "name": "send_mail"}`, nil},
	{"json without arguments", `{"name": "get_time"}`, "", []ToolCall{call("get_time", `{}`)}},
	{"json list", `[{"name": "get_time", "parameters": {}}, {"name": "search", "parameters": {"q": "[}\"{"}}]`, "",
		[]ToolCall{call("get_time", `{}`), call("search", `{"q":"[}\"{"}`)}},
	{"json calls separated", "{\"name\": \"get_time\", \"parameters\": {}};\n{\"name\": \"search\", \"parameters\": {\"q\": \"x\"}}\n", "",
		[]ToolCall{call("get_time", `{}`), call("search", `{"q":"x"}`)}},
	{"json surrogate pair", `{"name": "search", "parameters": {"q": "\ud83d\ude00 \u00e9"}}`, "", []ToolCall{call("search", `{"q":"😀 é"}`)}},
	// blocks
	{"python tags json", `<|python_start|>{"name": "get_weather", "parameters": {"city": "Oslo"}}<|python_end|>`, "",
		[]ToolCall{call("get_weather", `{"city":"Oslo"}`)}},
	{"python tags pythonic without end", `<|python_start|>[get_time()]`, "", []ToolCall{call("get_time", `{}`)}},
	{"python tags bare pythonic", `<|python_start|>get_time(); search(q="x")<|python_end|>`, "",
		[]ToolCall{call("get_time", `{}`), call("search", `{"q":"x"}`)}},
	{"text then python tags", "Let me look.\n<|python_start|>[get_time()]<|python_end|>", "Let me look.", []ToolCall{call("get_time", `{}`)}},
	{"fenced json", "```json\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}\n```", "",
		[]ToolCall{call("get_weather", `{"city":"Rome"}`)}},
	{"fence without language", "```\n[get_time()]\n```", "", []ToolCall{call("get_time", `{}`)}},
	{"fenced with text around", "Calling it:\n```json\n[{\"name\": \"get_time\", \"parameters\": {}}]\n```\nDone.", "Calling it:\nDone.",
		[]ToolCall{call("get_time", `{}`)}},
	{"template form", `<|python_start|>thinking<|python_end|>{"name": "get_time", "parameters": {}}{"name": "search", "parameters": {"q": "v"}}`,
		"thinking", []ToolCall{call("get_time", `{}`), call("search", `{"q":"v"}`)}},
	// content around calls
	{"text before json", `I'll check. {"name": "get_weather", "parameters": {"city": "Paris"}}`, "I'll check.",
		[]ToolCall{call("get_weather", `{"city":"Paris"}`)}},
	{"text after call", "[get_time()]\n\nThat is all.", "That is all.", []ToolCall{call("get_time", `{}`)}},
	{"text between calls", `[get_time()] and {"name": "search", "parameters": {"q": "x"}} too`, "and too",
		[]ToolCall{call("get_time", `{}`), call("search", `{"q":"x"}`)}},
	{"paragraphs around a call", "Hi\n\n[get_time()]\nthere", "Hi\n\nthere", []ToolCall{call("get_time", `{}`)}},
	{"spaces before the first call", "  [get_time()]  x ", "x ", []ToolCall{call("get_time", `{}`)}},
	// endings
	{"eom ending", `[get_time()]<|eom|>`, "", []ToolCall{call("get_time", `{}`)}},
	{"eot ending", "Hello.<|eot|>", "Hello.", nil},
	{"eot ends the reply", "Hi<|eot|>[get_time()]", "Hi", nil},
	{"call cut by eom", `{"name": "search", "parameters": {"q": "ab<|eom|>`, "", []ToolCall{call("search", `{"q":"ab"}`)}},
	// arguments that are not literals
	{"expression argument", `{"name": "calculator", "parameters": {"expression": 347*2981}}`, "",
		[]ToolCall{call("calculator", `{"expression":"347*2981"}`)}},
	{"pythonic expression argument", `[calculator(expression=max(1, 2) * 3, exact=true)]`, "",
		[]ToolCall{call("calculator", `{"expression":"max(1, 2) * 3","exact":true}`)}},
	{"python numbers", `[calculator(a=1_000, b=+5, c=.5, d=007, e=1e400, f=-0)]`, "",
		[]ToolCall{call("calculator", `{"a":1000,"b":5,"c":0.5,"d":7,"e":1e400,"f":-0}`)}},
	// vLLM regressions
	{"vllm#22917 call after text", "Sure, let me get that for you.\n\n[get_weather(city=\"San Francisco\", unit=\"celsius\")]", "Sure, let me get that for you.",
		[]ToolCall{call("get_weather", `{"city":"San Francisco","unit":"celsius"}`)}},
	{"vllm#22917 tagged call after text", `The time is needed first. <|python_start|>[get_time(zone="UTC")]<|python_end|>`, "The time is needed first.",
		[]ToolCall{call("get_time", `{"zone":"UTC"}`)}},
	{"vllm#46863 scout json instead of pythonic", `{"type": "function", "name": "get_weather", "parameters": {"city": "Paris", "unit": "celsius"}}`, "",
		[]ToolCall{call("get_weather", `{"city":"Paris","unit":"celsius"}`)}},
	{"vllm#46863 scout json list in tags", `<|python_start|>[{"name": "get_weather", "parameters": {"city": "Paris"}}, {"name": "get_time", "parameters": {"zone": "CET"}}]<|python_end|>`, "",
		[]ToolCall{call("get_weather", `{"city":"Paris"}`), call("get_time", `{"zone":"CET"}`)}},
	// broken after recognition: the call stands, the rest of it is dropped
	{"cut off", `[search(q="hello`, "", []ToolCall{call("search", `{"q":"hello"}`)}},
	{"positional after keyword", `[search(q="x", 2)] after`, "after", []ToolCall{call("search", `{"q":"x"}`)}},
	{"junk in tags", `<|python_start|>[get_time()] oops<|python_end|>rest`, "rest", []ToolCall{call("get_time", `{}`)}},
	{"undeclared second call", `[get_time(), send_mail(to="x")] after`, "after", []ToolCall{call("get_time", `{}`)}},
	// content
	{"undeclared json", `{"name": "send_mail", "parameters": {"to": "x"}}`, `{"name": "send_mail", "parameters": {"to": "x"}}`, nil},
	{"undeclared pythonic", `[send_mail(to="x")]`, `[send_mail(to="x")]`, nil},
	{"json answer", `{"city": "Paris", "name": "get_time"}`, `{"city": "Paris", "name": "get_time"}`, nil},
	{"json function not an object", `{"type": "function", "function": "search"}`, `{"type": "function", "function": "search"}`, nil},
	{"json function undeclared", `{"function": {"name": "send_mail", "arguments": {}}}`, `{"function": {"name": "send_mail", "arguments": {}}}`, nil},
	{"json with name not a call", `{"name": "get_time", "zone": "UTC"}`, `{"name": "get_time", "zone": "UTC"}`, nil},
	{"markdown", "See [the docs](https://x.y) and `code` or {braces}.\n```python\nprint([1, 2])\n```\n", "See [the docs](https://x.y) and `code` or {braces}.\n```python\nprint([1, 2])\n```\n", nil},
	{"positional call", `[get_time(1)]`, `[get_time(1)]`, nil},
	{"comparison", `[get_time(a == b)]`, `[get_time(a == b)]`, nil},
	{"code block in tags", "<|python_start|>import os\nprint(os.getcwd())<|python_end|> done", "<|python_start|>import os\nprint(os.getcwd())<|python_end|> done", nil},
	{"html", "a <b>bold</b> < c", "a <b>bold</b> < c", nil},
	{"spaces kept", "  two  spaces \n", "  two  spaces \n", nil},
	{"empty", "", "", nil},
}

func TestExtract(t *testing.T) {
	x := NewExtractorNames(declaredTools, ExtractOptions{})
	for _, c := range extractCases {
		r := x.Extract(c.text)
		if r.Content != c.content || !sameCalls(r.Calls, c.calls) {
			t.Errorf("%s: Extract(%q)\n got %q %s\nwant %q %s", c.name, c.text, r.Content, fmtCalls(r.Calls), c.content, fmtCalls(c.calls))
		}
		if want := len(c.calls) > 0 && c.content == ""; r.OnlyCalls() != want {
			t.Errorf("%s: OnlyCalls = %v", c.name, r.OnlyCalls())
		}
	}
}

func TestExtractCutAndMalformed(t *testing.T) {
	x := NewExtractorNames(declaredTools, ExtractOptions{})
	cases := []struct {
		text           string
		cut, malformed bool
	}{
		{`[get_time()]`, false, false},
		{`<|python_start|>[get_time()]`, false, false}, // a missing end tag is no cut
		{"```json\n{\"name\": \"get_time\"}", false, false},
		{`[search(q="hel`, true, false},
		{`[get_time()`, true, false},
		{`{"name": "search", "parameters": {"q": "ab<|eom|>`, true, false},
		{`[search(q="x", 2)]`, false, true},
		{`<|python_start|>[get_time()] oops<|python_end|>`, false, true},
		{`[send_mail()]`, false, false},
	}
	for _, c := range cases {
		r := x.Extract(c.text)
		if r.Cut != c.cut || r.Malformed != c.malformed {
			t.Errorf("Extract(%q): Cut %v, Malformed %v; want %v, %v", c.text, r.Cut, r.Malformed, c.cut, c.malformed)
		}
	}
}

func TestExtractSingleCall(t *testing.T) {
	x := NewExtractorNames(declaredTools, ExtractOptions{SingleCall: true})
	cases := []extractCase{
		{"two in a list", `[get_time(), search(q="x")]`, "", []ToolCall{call("get_time", `{}`)}},
		{"two objects", `{"name": "search", "parameters": {"q": "x"}} {"name": "get_time", "parameters": {}} bye`, "bye", []ToolCall{call("search", `{"q":"x"}`)}},
		{"one", `Hi [get_time()]`, "Hi", []ToolCall{call("get_time", `{}`)}},
	}
	for _, c := range cases {
		r := x.Extract(c.text)
		if r.Content != c.content || !sameCalls(r.Calls, c.calls) {
			t.Errorf("%s: got %q %s, want %q %s", c.name, r.Content, fmtCalls(r.Calls), c.content, fmtCalls(c.calls))
		}
		checkStreams(t, x, c.name, c.text, r, rand.New(rand.NewPCG(1, 2)), 20)
	}
}

func TestNewExtractor(t *testing.T) {
	x, err := NewExtractor([]json.RawMessage{
		json.RawMessage(`{"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}`),
		json.RawMessage(`{"name": "search", "parameters": {}}`),
	}, ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := x.Extract(`[get_time(), search(q="x")]`)
	if !sameCalls(r.Calls, []ToolCall{call("get_time", `{}`), call("search", `{"q":"x"}`)}) {
		t.Errorf("calls %s", fmtCalls(r.Calls))
	}
	if r := x.Extract(`[get_weather(city="x")]`); len(r.Calls) != 0 {
		t.Errorf("undeclared get_weather became a call: %s", fmtCalls(r.Calls))
	}
	for _, bad := range []string{`[1]`, `{"type": "function"}`, `{"function": {"name": ""}}`} {
		if _, err := NewExtractor([]json.RawMessage{json.RawMessage(bad)}, ExtractOptions{}); err == nil {
			t.Errorf("NewExtractor(%s): no error", bad)
		}
	}
}

// streamed feeds chunks to a stream and returns the content and calls its
// events make, failing on events out of order.
func streamed(t *testing.T, x *Extractor, chunks []string) (string, []ToolCall, Result) {
	t.Helper()
	s := x.Stream()
	var content strings.Builder
	var calls []ToolCall
	take := func(ev []Event) {
		for _, e := range ev {
			switch {
			case !e.IsCall:
				content.WriteString(e.Content)
			case e.Name != "":
				if e.Index != len(calls) {
					t.Fatalf("call event %+v after %d calls", e, len(calls))
				}
				calls = append(calls, ToolCall{Name: e.Name, Arguments: []byte(e.Args)})
			default:
				if e.Index != len(calls)-1 {
					t.Fatalf("arguments %+v for call %d", e, len(calls)-1)
				}
				calls[e.Index].Arguments = append(calls[e.Index].Arguments, e.Args...)
			}
		}
	}
	for _, c := range chunks {
		take(s.Push(c))
	}
	take(s.Finish())
	return content.String(), calls, s.Result()
}

// checkStreams checks that text streamed cut in two at every position (or
// at trials random ones when trials > 0), byte by byte and in trials random
// pieces gives the whole result.
func checkStreams(t *testing.T, x *Extractor, name, text string, whole Result, rng *rand.Rand, trials int) {
	t.Helper()
	var cutsList [][]int
	for i := 1; i < len(text); i++ {
		if trials >= 30 || rng.IntN(len(text)) < trials {
			cutsList = append(cutsList, []int{i})
		}
	}
	var all []int
	for i := 1; i < len(text); i++ {
		all = append(all, i)
	}
	cutsList = append(cutsList, all)
	for range trials {
		var cuts []int
		for i := 1; i < len(text); i++ {
			if rng.IntN(4) == 0 {
				cuts = append(cuts, i)
			}
		}
		cutsList = append(cutsList, cuts)
	}
	for _, cuts := range cutsList {
		content, calls, res := streamed(t, x, split(text, cuts))
		if content != whole.Content || !sameCalls(calls, whole.Calls) || res.Content != content || !sameCalls(res.Calls, calls) {
			t.Fatalf("%s, cuts %v: stream gave %q %s, whole %q %s", name, cuts, content, fmtCalls(calls), whole.Content, fmtCalls(whole.Calls))
		}
	}
}

func TestExtractStreamed(t *testing.T) {
	x := NewExtractorNames(declaredTools, ExtractOptions{})
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range extractCases {
		checkStreams(t, x, c.name, c.text, x.Extract(c.text), rng, 30)
	}
}

// TestStreamHoldsLittle checks what each push releases: content flows until
// something may start a call, and only that is held.
func TestStreamHoldsLittle(t *testing.T) {
	x := NewExtractorNames(declaredTools, ExtractOptions{})
	cases := []struct {
		chunks []string
		out    []string // each push's events: content as is, a call as name(args
	}{
		{[]string{"The list ", "[1, 2]", " ok"}, []string{"The list", " [1, 2]", " ok"}},
		{[]string{"Use [get_", "weather(", "city=", `"Par`, `is")] `, "thanks"}, []string{"Use", "", "", `get_weather({"city":"Par`, `is"}`, " thanks"}},
		{[]string{"[got", "cha]"}, []string{"[got", "cha]"}},
		{[]string{`{"na`, `me": "get_time", "para`, `meters": {"zone": "U`, `TC"}}`}, []string{"", "", `get_time({"zone":"U`, `TC"}`}},
		{[]string{`{"city"`, `: 1}`}, []string{`{"city"`, `: 1}`}},
		{[]string{`{"name": "other"`, `}`}, []string{`{"name": "other"`, `}`}},
		{[]string{"```", "js\n", "var x"}, []string{"", "", "```js\nvar x"}},
		{[]string{"<|python_", "start|>[get_time(", ")]<|python_end|>"}, []string{"", "", "get_time({}"}},
		{[]string{"a <", "b"}, []string{"a", " <b"}},
		{[]string{"2 < 3 <|e", "ot|>ignored"}, []string{"2 < 3", " "}},
	}
	for _, c := range cases {
		s := x.Stream()
		for i, chunk := range c.chunks {
			var sb strings.Builder
			for _, e := range s.Push(chunk) {
				switch {
				case !e.IsCall:
					sb.WriteString(e.Content)
				case e.Name != "":
					sb.WriteString(e.Name + "(" + e.Args)
				default:
					sb.WriteString(e.Args)
				}
			}
			if sb.String() != c.out[i] {
				t.Errorf("%q: push %d gave %q, want %q", c.chunks, i, sb.String(), c.out[i])
			}
		}
	}
}

func fmtResult(r Result) string { return fmt.Sprintf("%q %s", r.Content, fmtCalls(r.Calls)) }

func TestCloseJSON(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "{}"},
		{"{", "{}"},
		{`{"a":`, `{"a":null}`},
		{`{"a":"x`, `{"a":"x"}`},
		{`{"a":"x\"]`, `{"a":"x\"]"}`},
		{`{"a":[1,`, `{"a":[1,null]}`},
		{`{"a":[{"b":[`, `{"a":[{"b":[]}]}`},
		{`{"a":1}`, `{"a":1}`},
	}
	for _, c := range cases {
		if got := closeJSON(c.in); got != c.want {
			t.Errorf("closeJSON(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestStreamInCall(t *testing.T) {
	x := NewExtractorNames(declaredTools, ExtractOptions{})
	s := x.Stream()
	steps := []struct {
		push            string
		inCall, calling bool
	}{
		{"Hi ", false, false},
		{"[get_", true, false},
		{"time(", true, false},
		{")", true, true},
		{"] ok", false, false},
	}
	for _, st := range steps {
		s.Push(st.push)
		if s.InCall() != st.inCall || s.Calling() != st.calling {
			t.Errorf("after %q: InCall %v, Calling %v; want %v, %v", st.push, s.InCall(), s.Calling(), st.inCall, st.calling)
		}
	}
}

// TestVLLMRegressions streams the outputs of the vLLM reports token by token,
// as their logs show them: calls after text (vllm-project/vllm#22917) and
// JSON calls where pythonic ones were expected (vllm-project/vllm#46863).
func TestVLLMRegressions(t *testing.T) {
	x := NewExtractorNames([]string{"get_todays_date", "get_weather", "Bash"}, ExtractOptions{})
	calls := []ToolCall{call("get_todays_date", `{}`), call("get_weather", `{"location":"Dublin, Ireland","date":"2025-04-14"}`)}
	cases := []struct {
		name    string
		deltas  []string
		content string
		calls   []ToolCall
	}{
		{"#22917 calls alone", []string{"[get", "_t", "od", "ays", "_date", "(),", " get", "_weather", "(location", "=\"", "D", "ublin", ",", " Ireland", "\",", " date", "=\"", "202", "5", "-", "04", "-", "14", "\")]", ""},
			"", calls},
		{"#22917 calls after text", []string{"To", " determine", " the", " weather", " on", " April", " ", "14", ",", " I", " need", " the", " date", ".", "\n\n", "[get", "_t", "od", "ays", "_date", "(),", " get", "_weather", "(location", "=\"", "D", "ublin", ",", " Ireland", "\",", " date", "=\"", "202", "5", "-", "04", "-", "14", "\")]"},
			"To determine the weather on April 14, I need the date.", calls},
		{"#46863 json with type", []string{`{"`, `type`, `":`, ` "`, `function`, `",`, ` "`, `name`, `":`, ` "`, `Bash`, `",`, ` "`, `parameters`, `":`, ` {"`, `command`, `":`, ` "`, `echo`, ` hello`, `",`, ` "`, `timeout`, `":`, ` `, `120`, `00`, `}}`},
			"", []ToolCall{call("Bash", `{"command":"echo hello","timeout":12000}`)}},
		{"#46863 json in tags after text", []string{"I'll", " run", " it", ".", "<|python_start|>", `{"name": "Bash", "parameters": {"command": "ls -la"}}`, "<|python_end|>", "<|eom|>"},
			"I'll run it.", []ToolCall{call("Bash", `{"command":"ls -la"}`)}},
	}
	for _, c := range cases {
		content, got, _ := streamed(t, x, c.deltas)
		if content != c.content || !sameCalls(got, c.calls) {
			t.Errorf("%s: streamed %q %s, want %q %s", c.name, content, fmtCalls(got), c.content, fmtCalls(c.calls))
		}
		r := x.Extract(strings.Join(c.deltas, ""))
		if r.Content != c.content || !sameCalls(r.Calls, c.calls) {
			t.Errorf("%s: whole %s", c.name, fmtResult(r))
		}
	}
}
