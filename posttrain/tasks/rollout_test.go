package tasks

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/herd-llm/herd/chat"
)

// script is a Generator that replays texts and records what it was shown.
type script struct {
	texts []string
	seen  []string // rendered conversations
}

func (s *script) gen(msgs []chat.Message, opts chat.Options) (string, error) {
	r, err := chat.Render(msgs, opts)
	if err != nil {
		return "", err
	}
	s.seen = append(s.seen, r)
	if len(s.texts) == 0 {
		return "", errors.New("script exhausted")
	}
	t := s.texts[0]
	s.texts = s.texts[1:]
	return t, nil
}

// TestRollout runs scripted multi-turn calculator episodes: the model's
// tool call (in the forms Llama 4 writes) is parsed by package chat,
// executed, and returned in the ipython turn the next generation sees.
func TestRollout(t *testing.T) {
	calc := mustTask(t, "calculator:digits=3,ops=1", 1)
	p := Prompt{Task: calc.Spec(), Key: "125 * 8", Tools: []json.RawMessage{Calculator{}.Declaration()},
		Messages: []chat.Message{{Role: chat.RoleUser, Content: "What is 125 * 8?"}}}
	jsonCall := `{"name": "calculator", "parameters": {"expression": "125 * 8"}}`
	cases := []struct {
		name     string
		texts    []string
		maxTurns int
		reward   float64
		turns    int    // generations
		result   string // the first tool result
	}{
		{"json call", []string{jsonCall, "1000"}, 4, 1, 2, "1000"},
		{"pythonic call in tags", []string{`<|python_start|>[calculator(expression="125*8")]<|python_end|>`, "1000"}, 4, 1, 2, "1000"},
		{"wrong final answer", []string{jsonCall, "999"}, 4, 0, 2, "1000"},
		{"no tool", []string{"1000"}, 4, 1, 1, ""},
		{"bad expression", []string{`{"name": "calculator", "parameters": {"expression": "import os"}}`, "1000"}, 4, 1, 2, "error: calculator: "},
		{"missing argument", []string{`{"name": "calculator", "parameters": {"expr": "1"}}`, "1000"}, 4, 1, 2, `error: calculator: arguments {"expr":"1"} have no "expression" string`},
		{"undeclared tool is text", []string{`{"name": "search", "parameters": {"q": "x"}}`, "1000"}, 4, 0, 1, ""},
		{"out of turns", []string{jsonCall, jsonCall}, 2, 0, 2, "1000"},
	}
	for _, c := range cases {
		s := &script{texts: c.texts}
		tr, reward, err := Rollout(calc, &p, s.gen, c.maxTurns)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if reward != c.reward || len(s.seen) != c.turns {
			t.Errorf("%s: reward %v after %d generations, want %v after %d", c.name, reward, len(s.seen), c.reward, c.turns)
		}
		if c.result == "" {
			continue
		}
		if tr[1].Role != chat.RoleTool || !strings.HasPrefix(tr[1].Content, c.result) {
			t.Errorf("%s: tool turn %+v, want a result starting %q", c.name, tr[1], c.result)
		}
		want := fmt.Sprintf("<|header_start|>ipython<|header_end|>\n\n%q<|eot|><|header_start|>assistant<|header_end|>\n\n", tr[1].Content)
		if !strings.HasSuffix(s.seen[1], want) {
			t.Errorf("%s: second generation saw %q, want it to end with %q", c.name, s.seen[1], want)
		}
	}
	if _, _, err := Rollout(calc, &p, (&script{}).gen, 2); err == nil || !strings.Contains(err.Error(), "script exhausted") {
		t.Errorf("failing generator: %v", err)
	}
	if _, _, err := Rollout(calc, &p, (&script{}).gen, 0); err == nil {
		t.Error("0 turns: want an error")
	}
}

// TestTurnDeclaredTools checks that Turn runs only calls of the task's
// tools: other names stay text, and an unfinished call is not run.
func TestTurnDeclaredTools(t *testing.T) {
	tools := []Tool{Calculator{}}
	cases := []struct {
		name    string
		text    string
		done    bool
		calls   []string // names of the calls run
		content string   // the assistant message's content
		tool    string   // the first tool result
	}{
		{"declared call", `[calculator(expression="2+3")]`, false, []string{"calculator"}, "", "5"},
		{"json call", `{"name": "calculator", "parameters": {"expression": "2*3"}}`, false, []string{"calculator"}, "", "6"},
		{"undeclared call is text", `[search(q="x")]`, true, nil, `[search(q="x")]`, ""},
		{"list with an undeclared call is text", `[search(q="x"), calculator(expression="2*3")]`, true, nil, `[search(q="x"), calculator(expression="2*3")]`, ""},
		{"cut call not run", `<|python_start|>[calculator(expression="2+`, true, nil, `<|python_start|>[calculator(expression="2+`, ""},
		{"plain answer", "6", true, nil, "6", ""},
	}
	for _, c := range cases {
		msgs, done := Turn(tools, c.text)
		if done != c.done {
			t.Errorf("%s: done %v, want %v", c.name, done, c.done)
		}
		var got []string
		for _, tc := range msgs[0].ToolCalls {
			got = append(got, tc.Name)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.calls) || msgs[0].Content != c.content {
			t.Errorf("%s: calls %v, content %q; want %v, %q", c.name, got, msgs[0].Content, c.calls, c.content)
		}
		if c.tool != "" && (len(msgs) < 2 || msgs[1].Role != chat.RoleTool || msgs[1].Content != c.tool) {
			t.Errorf("%s: messages %+v, want a tool result %q", c.name, msgs, c.tool)
		}
	}
}
