package chat

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// argValue is a random argument value in the three forms the test needs: the
// JSON Extract must return, and how a model writes it in JSON and in Python.
type argValue struct{ want, json, py string }

// genName returns a random tool or argument name.
func genName(rng *rand.Rand, tool bool) string {
	const first, rest = "abcdefghijklmnopqrstuvwxyz_", "abcdefghijklmnopqrstuvwxyz_0123456789"
	var sb strings.Builder
	sb.WriteByte(first[rng.IntN(len(first))])
	for range 2 + rng.IntN(8) {
		if tool && rng.IntN(12) == 0 {
			sb.WriteByte(".-"[rng.IntN(2)])
		}
		sb.WriteByte(rest[rng.IntN(len(rest))])
	}
	return sb.String()
}

// genString returns a random string rich in the characters that delimit
// calls.
func genString(rng *rand.Rand) string {
	pieces := []string{"a", "Z", " ", "\"", "'", "\\", "\n", "\t", "[", "]", "{", "}", "(", ")", ",", ";", ":", "=",
		"<", "|", ">", "<|python_end|>", "```", "é", "東京", "😀", "\x01", "\u2028", "True", "1", "\\n", `\u0041`}
	var sb strings.Builder
	for range rng.IntN(8) {
		sb.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return sb.String()
}

// pyQuote writes s as a Python string literal, in a random style.
func pyQuote(rng *rand.Rand, s string) string {
	q := []string{`"`, `'`, `"""`, `'''`}[rng.IntN(4)]
	var sb strings.Builder
	sb.WriteString(q)
	for i, r := range s {
		switch {
		case r == '\\':
			sb.WriteString(`\\`)
		case r == rune(q[0]):
			sb.WriteString(`\` + string(r))
		case r == '\n' && (len(q) == 1 || rng.IntN(2) == 0):
			sb.WriteString(`\n`)
		case r < 0x20 || (r > 0x7f && rng.IntN(3) == 0):
			fmt.Fprintf(&sb, `\U%08x`, r)
		case len(q) == 3 && i == len(s)-1 && r == rune(q[0]):
			sb.WriteString(`\` + string(r))
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteString(q)
	return sb.String()
}

// genValue returns a random value nested at most depth deep.
func genValue(rng *rand.Rand, depth int) argValue {
	k := rng.IntN(7)
	if depth <= 0 {
		k = rng.IntN(4)
	}
	switch k {
	case 0:
		s := genString(rng)
		var w strings.Builder
		writeJSONString(&w, s)
		j, _ := json.Marshal(s)
		return argValue{w.String(), string(j), pyQuote(rng, s)}
	case 1:
		n := []string{"0", "42", "-7", "3.25", "-0.5", "1e-5", "6.02E23", "123456789012345678901"}[rng.IntN(8)]
		return argValue{n, n, n}
	case 2:
		b := []argValue{{"true", "true", "True"}, {"false", "false", "False"}}[rng.IntN(2)]
		return b
	case 3:
		return argValue{"null", "null", "None"}
	case 4, 5:
		var w, j, p []string
		for range rng.IntN(4) {
			v := genValue(rng, depth-1)
			w, j, p = append(w, v.want), append(j, v.json), append(p, v.py)
		}
		open, close := "[", "]"
		if rng.IntN(3) == 0 {
			open, close = "(", ")"
			if len(p) == 1 {
				close = ",)"
			}
		}
		return argValue{"[" + strings.Join(w, ",") + "]", "[" + strings.Join(j, ", ") + "]", open + strings.Join(p, ", ") + close}
	}
	var w, j, p []string
	seen := map[string]bool{}
	for range rng.IntN(4) {
		key := genString(rng)
		if seen[key] {
			continue
		}
		seen[key] = true
		v := genValue(rng, depth-1)
		var kw strings.Builder
		writeJSONString(&kw, key)
		kj, _ := json.Marshal(key)
		w = append(w, kw.String()+":"+v.want)
		j = append(j, string(kj)+": "+v.json)
		p = append(p, pyQuote(rng, key)+": "+v.py)
	}
	return argValue{"{" + strings.Join(w, ",") + "}", "{" + strings.Join(j, ", ") + "}", "{" + strings.Join(p, ", ") + "}"}
}

// genCall is a random call of one of tools, in its three forms.
type genCall struct {
	name           string
	want, json, py string // arguments as JSON wanted and written; the call in Python
}

func newGenCall(rng *rand.Rand, tools []string) genCall {
	c := genCall{name: tools[rng.IntN(len(tools))]}
	var w, j, p []string
	seen := map[string]bool{}
	for range rng.IntN(4) {
		key := genName(rng, false)
		if seen[key] {
			continue
		}
		seen[key] = true
		v := genValue(rng, 3)
		w = append(w, `"`+key+`":`+v.want)
		j = append(j, `"`+key+`": `+v.json)
		p = append(p, key+"="+v.py)
	}
	c.want, c.json = "{"+strings.Join(w, ",")+"}", "{"+strings.Join(j, ", ")+"}"
	c.py = c.name + "(" + strings.Join(p, ", ") + ")"
	return c
}

// jsonCallText writes c as a JSON call in a random style.
func jsonCallText(rng *rand.Rand, c genCall) string {
	key := []string{"parameters", "arguments"}[rng.IntN(2)]
	args := c.json
	if key == "arguments" && rng.IntN(2) == 0 {
		b, _ := json.Marshal(args)
		args = string(b)
	}
	typ := ""
	switch rng.IntN(4) {
	case 0:
		typ = `"type": "function", `
	case 1: // OpenAI's shape
		return `{"id": "call_` + c.name + `", "type": "function", "function": {"name": "` + c.name + `", "` + key + `": ` + args + `}}`
	case 2: // arguments first
		return `{"` + key + `": ` + args + `, "name": "` + c.name + `"}`
	}
	return `{` + typ + `"name": "` + c.name + `", "` + key + `": ` + args + `}`
}

// renderCalls writes calls as a model might, in a random shape; open says
// that the shape runs to the end of the reply.
func renderCalls(rng *rand.Rand, calls []genCall) (text string, open bool) {
	var py, js []string
	for _, c := range calls {
		py = append(py, c.py)
		js = append(js, jsonCallText(rng, c))
	}
	var body string
	switch rng.IntN(4) {
	case 0:
		body = "[" + strings.Join(py, ", ") + "]"
	case 1:
		body = "[" + strings.Join(js, ", ") + "]"
	case 2:
		body = strings.Join(js, []string{"; ", "\n", ""}[rng.IntN(3)])
	default:
		body = js[0]
		if len(js) > 1 {
			body = "[" + strings.Join(py, ", ") + "]"
		}
	}
	switch rng.IntN(6) {
	case 0:
		return "<|python_start|>" + body + "<|python_end|>", false
	case 1:
		if len(calls) > 1 && rng.IntN(2) == 0 {
			return "<|python_start|>" + strings.Join(py, ", ") + "<|python_end|>", false
		}
		return "<|python_start|>" + body, true
	case 2:
		return "```" + []string{"json", "", "python"}[rng.IntN(3)] + "\n" + body + "\n```", false
	case 3:
		return "<|python_start|><|python_end|>" + strings.Join(js, ""), false
	}
	return body, false
}

// genProse returns a random sentence that cannot start a call.
func genProse(rng *rand.Rand) string {
	words := []string{"Sure", "the", "weather", "is", "fine", "I'll", "check", "[1]", "(see", "below)", "a<b", "x{y}", "`code`", "é"}
	var ws []string
	for range rng.IntN(6) {
		ws = append(ws, words[rng.IntN(len(words))])
	}
	return strings.Join(ws, " ")
}

// TestExtractRoundTrip renders random calls of random declared tools in every
// shape, with random text around them, and extracts them back, whole and
// streamed.
func TestExtractRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 400 {
		var tools []string
		for range 1 + rng.IntN(4) {
			tools = append(tools, genName(rng, true))
		}
		x := NewExtractorNames(tools, ExtractOptions{})
		var calls []genCall
		for range 1 + rng.IntN(3) {
			calls = append(calls, newGenCall(rng, tools))
		}
		before, after := genProse(rng), genProse(rng)
		rendered, open := renderCalls(rng, calls)
		if open {
			after = ""
		}
		sep := []string{"", " ", "\n\n"}[rng.IntN(3)]
		text := before + sep + rendered + []string{"", " ", "\n"}[rng.IntN(3)] + after
		wantContent := before + after
		if before != "" && after != "" {
			wantContent = before + sep + after
		}
		if rng.IntN(4) == 0 {
			text += []string{"<|eom|>", "<|eot|>"}[rng.IntN(2)]
		}
		var want []ToolCall
		for _, c := range calls {
			want = append(want, call(c.name, c.want))
		}
		got := x.Extract(text)
		if got.Content != wantContent || !sameCalls(got.Calls, want) {
			t.Fatalf("trial %d: Extract(%q)\n got %s\nwant %q %s", trial, text, fmtResult(got), wantContent, fmtCalls(want))
		}
		for _, c := range got.Calls {
			if !json.Valid(c.Arguments) {
				t.Fatalf("trial %d: arguments %s are not JSON", trial, c.Arguments)
			}
		}
		if trial < 3 {
			t.Logf("trial %d: %q", trial, text)
		}
		checkStreams(t, x, fmt.Sprint("trial ", trial), text, got, rng, 3)
	}
}
