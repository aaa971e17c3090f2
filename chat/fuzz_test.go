package chat

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseToolCalls checks that any text parses without a panic, that calls
// carry JSON objects, and that streaming in random pieces gives the batch
// result.
func FuzzParseToolCalls(f *testing.F) {
	for _, c := range toolCallCases {
		f.Add(c.text, uint64(len(c.text)))
	}
	f.Fuzz(func(t *testing.T, text string, seed uint64) {
		content, calls := ParseToolCalls(text)
		if calls == nil && content != withoutEnd(text) && !anyNameExtractor.Extract(text).Cut {
			t.Fatalf("no calls but content %q != text %q", content, text)
		}
		for _, c := range calls {
			if c.Name == "" || !json.Valid(c.Arguments) || c.Arguments[0] != '{' {
				t.Fatalf("bad call %q %s from %q", c.Name, c.Arguments, text)
			}
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		var cuts []int
		for i := 1; i < len(text); i++ {
			if rng.IntN(3) == 0 {
				cuts = append(cuts, i)
			}
		}
		sc, scalls := streamParse(split(text, cuts))
		if sc != content || !sameCalls(scalls, calls) {
			t.Fatalf("stream %q %s != batch %q %s for %q", sc, fmtCalls(scalls), content, fmtCalls(calls), text)
		}
	})
}

// withoutEnd cuts text at its first <|eot|> or <|eom|>.
func withoutEnd(text string) string {
	for _, tok := range []string{eotToken, eomToken} {
		text, _, _ = strings.Cut(text, tok)
	}
	return text
}

// FuzzExtract checks that any reply extracts without a panic; that calls are
// of declared tools with JSON object arguments; that content is the reply
// less some of its text; and that streaming in random pieces gives the
// whole result, with call events in order.
func FuzzExtract(f *testing.F) {
	for _, c := range extractCases {
		f.Add(c.text, uint64(len(c.text)), false)
	}
	for _, c := range toolCallCases {
		f.Add(c.text, uint64(len(c.text)), true)
	}
	x := NewExtractorNames(declaredTools, ExtractOptions{})
	single := NewExtractorNames(declaredTools, ExtractOptions{SingleCall: true})
	f.Fuzz(func(t *testing.T, text string, seed uint64, one bool) {
		ex := x
		if one {
			ex = single
		}
		r := ex.Extract(text)
		if one && len(r.Calls) > 1 {
			t.Fatalf("single-call mode gave %d calls", len(r.Calls))
		}
		for _, c := range r.Calls {
			if !ex.declared(c.Name) || !json.Valid(c.Arguments) || c.Arguments[0] != '{' {
				t.Fatalf("bad call %q %s from %q", c.Name, c.Arguments, text)
			}
		}
		if !isSubsequence(r.Content, text) && !strings.Contains(text, pythonEndToken) {
			t.Fatalf("content %q is not taken from %q", r.Content, text)
		}
		if len(r.Calls) == 0 && r.Content != withoutEnd(text) && !r.Cut {
			t.Fatalf("no calls but content %q != text %q", r.Content, text)
		}
		rng := rand.New(rand.NewPCG(seed, 2))
		var cuts []int
		for i := 1; i < len(text); i++ {
			if rng.IntN(3) == 0 {
				cuts = append(cuts, i)
			}
		}
		content, calls, _ := streamed(t, ex, split(text, cuts))
		if content != r.Content || !sameCalls(calls, r.Calls) {
			t.Fatalf("stream %q %s != whole %s for %q cut at %v", content, fmtCalls(calls), fmtResult(r), text, cuts)
		}
	})
}

// isSubsequence reports whether s is t with some bytes left out.
func isSubsequence(s, t string) bool {
	for i := 0; i < len(s); i++ {
		j := strings.IndexByte(t, s[i])
		if j < 0 {
			return false
		}
		t = t[j+1:]
	}
	return true
}

// FuzzRenderParse renders a conversation with arbitrary text, parses it back
// and checks that rendering again gives the same prompt.
func FuzzRenderParse(f *testing.F) {
	f.Add("You are helpful", "Hi <|image|> there", "Hello!", `22 "deg"`, true)
	f.Add("", "  ", "[f(a=1)]", "", false)
	f.Fuzz(func(t *testing.T, system, user, assistant, tool string, tools bool) {
		msgs := []Message{
			{Role: RoleSystem, Content: system},
			{Role: RoleUser, Content: user},
			{Role: RoleAssistant, Content: assistant, ToolCalls: []ToolCall{call("f", `{"a":[1,"x"]}`)}},
			{Role: RoleTool, Content: tool},
			{Role: RoleAssistant, Content: assistant},
		}
		opts := Options{AddGenerationPrompt: true}
		if tools {
			opts.Tools = []json.RawMessage{json.RawMessage(`{"name":"f","parameters":{"type":"object"}}`)}
		}
		p, err := Render(msgs, opts)
		if err != nil {
			t.Fatal(err)
		}
		back, bopts, err := Parse(p)
		if err != nil {
			return // text that contains the format's own tokens need not parse
		}
		again, err := Render(back, bopts)
		if err != nil {
			t.Fatalf("Render(Parse(p)): %v", err)
		}
		if again != p && !containsSpecial(system+user+assistant+tool) {
			t.Fatalf("Render(Parse(p)) != p\n p %q\n again %q", p, again)
		}
	})
}

// containsSpecial reports whether s holds text that the parser reads as
// structure, or bytes that are not UTF-8 (JSON unquoting replaces them).
func containsSpecial(s string) bool {
	return strings.Contains(s, "<|") || strings.Contains(s, "|>") || !utf8.ValidString(s)
}
