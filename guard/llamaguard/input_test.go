package llamaguard

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/guard"
)

func isSetting(err error) bool {
	var u interface{ UsageError() bool }
	return errors.As(err, &u) && u.UsageError()
}

func TestParseChat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []chat.Message
		err  string
	}{
		{`[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]`,
			[]chat.Message{{Role: chat.RoleUser, Content: "Hi"}, {Role: chat.RoleAssistant, Content: "Hello!"}}, ""},
		{`[{"role":"agent","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]`,
			[]chat.Message{{Role: chat.RoleAssistant, Content: "ab"}}, ""},
		{`{"role":"user"}`, nil, "not a JSON array"},
		{`[{"role":"system","content":"x"}]`, nil, `role "system"`},
		{`[{"role":"user","content":[{"type":"image_url"}]}]`, nil, `content part type "image_url"`},
		{`[{"role":"user","content":3}]`, nil, "content must be a string or text parts"},
	} {
		got, err := ParseChat([]byte(tc.in))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !isSetting(err) {
				t.Errorf("%s: error %v, want a usage error containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v %v, want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestInputSources(t *testing.T) {
	if _, err := Input(nil, "", "", "", nil); !isSetting(err) {
		t.Errorf("no input: %v, want a usage error", err)
	}
	if _, err := Input([]string{"a"}, "f", "", "", nil); !isSetting(err) {
		t.Errorf("TEXT and --file: %v, want a usage error", err)
	}
	got, err := Input(nil, "-", "", guard.RoleAgent, strings.NewReader("stdin text"))
	if err != nil || len(got) != 1 || got[0].Role != chat.RoleAssistant || got[0].Content != "stdin text" {
		t.Errorf("--file - as agent: %+v %v", got, err)
	}
}

func TestPolicyOptions(t *testing.T) {
	o, err := (&Policy{Categories: "S1,S2"}).Options("")
	if err != nil || len(o.Excluded) != len(guard.Categories)-2 {
		t.Fatalf("--categories S1,S2: %+v %v", o, err)
	}
	for _, c := range o.Excluded {
		if c == "S1" || c == "S2" {
			t.Errorf("kept category %s excluded", c)
		}
	}
	for _, p := range []Policy{{Threshold: 1.5}, {Exclude: "S99"}, {Categories: "nope"}} {
		if _, err := p.Options("guard-"); !isSetting(err) || !strings.Contains(err.Error(), "--guard-") {
			t.Errorf("%+v: %v, want a usage error naming the --guard- flag", p, err)
		}
	}
}

func TestVerdictLine(t *testing.T) {
	for _, tc := range []struct {
		v    guard.Verdict
		want string
	}{
		{guard.Verdict{Score: 0.012}, "safe (score 0.0120)"},
		{guard.Verdict{Unsafe: true, Categories: []string{"S1"}, Score: 0.9}, "unsafe S1 (Violent Crimes; score 0.9000)"},
		{guard.Verdict{Unsafe: true, Score: 0.5}, "unsafe (score 0.5000)"},
	} {
		if got := VerdictLine(tc.v); got != tc.want {
			t.Errorf("VerdictLine(%+v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}
