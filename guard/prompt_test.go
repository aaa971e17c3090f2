package guard

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/internal/wanterr"
)

// promptCase is one entry of testdata/prompts/cases.json: a conversation in
// the reference's shape (content a string, or parts with text or image).
type promptCase struct {
	Name     string   `json:"name"`
	Excluded []string `json:"excluded"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
}

func (c promptCase) conv(t *testing.T) []chat.Message {
	var out []chat.Message
	for _, m := range c.Messages {
		cm := chat.Message{Role: m.Role}
		if err := json.Unmarshal(m.Content, &cm.Content); err != nil {
			var parts []struct {
				Text  string `json:"text"`
				Image bool   `json:"image"`
			}
			if err := json.Unmarshal(m.Content, &parts); err != nil {
				t.Fatalf("%s: content %s: %v", c.Name, m.Content, err)
			}
			for _, p := range parts {
				cm.Parts = append(cm.Parts, chat.Part{Text: p.Text, Image: p.Image})
			}
		}
		out = append(out, cm)
	}
	return out
}

// TestPromptGoldens compares the prompt with the text the reference builds
// (testdata/prompts/README.md says how the goldens were made), byte for byte.
func TestPromptGoldens(t *testing.T) {
	var cases []promptCase
	b, err := os.ReadFile(filepath.Join("testdata", "prompts", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 8 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", "prompts", c.Name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Render(c.conv(t), PromptOptions{Excluded: c.Excluded})
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("prompt differs from the reference at byte %d:\n got %q\nwant %q", firstDiff(got, string(want)), got, want)
			}
		})
	}
}

func firstDiff(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestPromptRoleAndErrors(t *testing.T) {
	conv := []chat.Message{{Role: "user", Content: "q1"}, {Role: "assistant", Content: "a1"}, {Role: "user", Content: "q2"}, {Role: "assistant", Content: "a2"}}
	for _, tc := range []struct {
		name     string
		conv     []chat.Message
		o        PromptOptions
		has, not []string
		err      string
	}{
		{name: "last message", conv: conv, has: []string{"ONLY THE LAST Agent message", "Agent: a2"}},
		{name: "user role cuts the answer", conv: conv, o: PromptOptions{Role: RoleUser}, has: []string{"'User' messages", "User: q2\n\n<END CONVERSATION>"}, not: []string{"a2"}},
		{name: "agent role", conv: conv[:3], o: PromptOptions{Role: RoleAgent}, has: []string{"Agent: a1\n\n<END CONVERSATION>"}, not: []string{"q2"}},
		{name: "description", conv: conv[:1], o: PromptOptions{Categories: []Category{{Code: "S1", Name: "Spam", Description: "Unsolicited ads."}}},
			has: []string{"<BEGIN UNSAFE CONTENT CATEGORIES>\nS1: Spam.\nUnsolicited ads.\n<END UNSAFE CONTENT CATEGORIES>"}},
		{name: "empty", conv: nil, err: "empty"},
		{name: "system role", conv: []chat.Message{{Role: "system", Content: "x"}}, err: `role "system"`},
		{name: "unknown check role", conv: conv, o: PromptOptions{Role: "bot"}, err: `unknown role "bot"`},
		{name: "no agent message", conv: conv[:1], o: PromptOptions{Role: RoleAgent}, err: "no agent message"},
		{name: "bad excluded", conv: conv, o: PromptOptions{Excluded: []string{"S99"}}, err: `"S99"`},
		{name: "agent image", conv: []chat.Message{{Role: "assistant", Parts: []chat.Part{{Image: true}}}}, err: "only checked in user messages"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Render(tc.conv, tc.o)
			if wanterr.Case(t, tc.name, err, tc.err) {
				return
			}
			for _, s := range tc.has {
				if !strings.Contains(got, s) {
					t.Errorf("prompt lacks %q:\n%s", s, got)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(got, s) {
					t.Errorf("prompt has %q:\n%s", s, got)
				}
			}
		})
	}
}

func TestParseCodes(t *testing.T) {
	got, err := ParseCodes(" s1, S6,S1,", nil)
	if err != nil || strings.Join(got, ",") != "S1,S6" {
		t.Fatalf("ParseCodes = %v, %v", got, err)
	}
	if _, err := ParseCodes("S1,S15", nil); err == nil || !strings.Contains(err.Error(), `"S15"`) {
		t.Fatalf("S15 accepted: %v", err)
	}
}
