package tasks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/internal/wanterr"
)

// allSpecs are task specs covering every task.
var allSpecs = []string{"arithmetic", "arithmetic:digits=1,ops=1", "arithmetic:digits=5,ops=3", "calculator",
	"countdown", "countdown:numbers=3,max=20", "countdown:numbers=2,max=9,heldout=0.3"}

func mustTask(t *testing.T, spec string, seed uint64) Task {
	t.Helper()
	tk, err := New(spec, seed)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func mustSample(t *testing.T, tk Task, split Split, i int) Prompt {
	t.Helper()
	p, err := tk.Sample(split, i)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNew(t *testing.T) {
	cases := []struct {
		spec, want, err string
	}{
		{"arithmetic", "arithmetic:digits=2,ops=1", ""},
		{" calculator ", "calculator:digits=4,ops=1", ""},
		{"arithmetic:ops=3, digits=7", "arithmetic:digits=7,ops=3", ""},
		{"countdown", "countdown:numbers=4,max=99", ""},
		{"countdown:heldout=0.2", "countdown:numbers=4,max=99,heldout=0.2", ""},
		{"", "", "empty task spec"},
		{"algebra", "", `unknown task "algebra"`},
		{"arithmetic:digits=0", "", "digits"},
		{"arithmetic:digits=13", "", "digits"},
		{"arithmetic:digits", "", "not key=value"},
		{"arithmetic:digits=2,digits=3", "", "given twice"},
		{"arithmetic:ops=x", "", "ops"},
		{"countdown:numbers=9", "", "numbers"},
		{"countdown:max=1", "", "max"},
		{"countdown:heldout=0.9", "", "heldout"},
		{"countdown:colour=red", "", "unknown parameter colour"},
	}
	for _, c := range cases {
		tk, err := New(c.spec, 1)
		if wanterr.Case(t, fmt.Sprintf("New(%q)", c.spec), err, c.err) {
			continue
		}
		if tk.Spec() != c.want {
			t.Errorf("New(%q).Spec() = %q, want %q", c.spec, tk.Spec(), c.want)
		}
		again, err := New(tk.Spec(), 1)
		if err != nil || again.Spec() != tk.Spec() {
			t.Errorf("New(Spec %q) = %v, %v: the spec does not round-trip", tk.Spec(), again, err)
		}
	}
}

// TestSplits checks that the splits are deterministic, disjoint (also
// across seeds: the split is a property of the problem) and of the
// requested proportions, and that every prompt renders.
func TestSplits(t *testing.T) {
	for _, spec := range allSpecs {
		t.Run(spec, func(t *testing.T) {
			const n = 300
			train := map[string]bool{}
			for seed := uint64(1); seed <= 2; seed++ {
				tk := mustTask(t, spec, seed)
				for i := range n {
					p := mustSample(t, tk, Train, i)
					if q := mustSample(t, tk, Train, i); q.Key != p.Key {
						t.Fatalf("sample %d: %q then %q: not deterministic", i, p.Key, q.Key)
					}
					if SplitOf(tk, p.Key) != Train {
						t.Fatalf("train sample %q is in split %v", p.Key, SplitOf(tk, p.Key))
					}
					if p.Task != tk.Spec() {
						t.Fatalf("prompt of task %q from task %q", p.Task, tk.Spec())
					}
					train[p.Key] = true
				}
			}
			tk := mustTask(t, spec, 3)
			for i := range n {
				p := mustSample(t, tk, HeldOut, i)
				if train[p.Key] {
					t.Fatalf("held-out problem %q is also a training problem", p.Key)
				}
				if _, err := chat.Render(p.Messages, p.ChatOptions(true)); err != nil {
					t.Fatalf("%q: %v", p.Key, err)
				}
			}
			// The held-out fraction of fresh draws is near the requested one.
			b := tk.(interface{ splitBase() *base }).splitBase()
			held := 0
			for i := range 2000 {
				if SplitOf(tk, tk.Spec()+string(rune(i))) == HeldOut {
					held++
				}
			}
			if f := float64(held) / 2000; f < b.heldout-0.04 || f > b.heldout+0.04 {
				t.Errorf("held-out fraction %.3f, want %.2f", f, b.heldout)
			}
		})
	}
}

func TestSampleErrors(t *testing.T) {
	tk := mustTask(t, "arithmetic", 1)
	if _, err := tk.Sample(Split(7), 0); err == nil || !strings.Contains(err.Error(), "split") {
		t.Errorf("unknown split: %v", err)
	}
	if _, err := tk.Sample(Train, -1); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("negative index: %v", err)
	}
}

// TestDemonstrations checks that every reference transcript scores 1 and
// renders (tool calls and ipython turns included).
func TestDemonstrations(t *testing.T) {
	for _, spec := range allSpecs {
		tk := mustTask(t, spec, 5)
		for i := range 50 {
			p := mustSample(t, tk, Split(i%2), i)
			demo, err := tk.Demonstration(&p)
			if err != nil {
				t.Fatalf("%s %q: %v", spec, p.Key, err)
			}
			if r, err := tk.Score(&p, demo); err != nil || r != 1 {
				t.Fatalf("%s %q: demonstration %+v scores %v, %v", spec, p.Key, demo, r, err)
			}
			if _, err := chat.Render(append(p.Messages, demo...), p.ChatOptions(false)); err != nil {
				t.Fatalf("%s %q: %v", spec, p.Key, err)
			}
		}
	}
}

func asst(s string) []chat.Message { return []chat.Message{{Role: chat.RoleAssistant, Content: s}} }

func TestScore(t *testing.T) {
	arith := mustTask(t, "arithmetic:digits=2,ops=2", 1)
	ap := Prompt{Task: arith.Spec(), Key: "12 + 30 * 2"} // 72
	calc := mustTask(t, "calculator:digits=3,ops=1", 1)
	cp := Prompt{Task: calc.Spec(), Key: "125 * 8"} // 1000
	cd := mustTask(t, "countdown:numbers=3,max=99", 1)
	dp := Prompt{Task: cd.Spec(), Key: "3 5 25 -> 40"}
	call := chat.ToolCall{Name: CalculatorName, Arguments: json.RawMessage(`{"expression":"125 * 8"}`)}
	cases := []struct {
		name string
		tk   Task
		p    *Prompt
		tr   []chat.Message
		want float64
	}{
		{"arith bare", arith, &ap, asst("72"), 1},
		{"arith spaces and period", arith, &ap, asst(" 72.\n"), 1},
		{"arith answer tag", arith, &ap, asst("12+60 is <answer>72</answer>"), 1},
		{"arith last tag counts", arith, &ap, asst("<answer>72</answer> no, <answer>71</answer>"), 0},
		{"arith wrong", arith, &ap, asst("84"), 0},
		{"arith words", arith, &ap, asst("seventy-two"), 0},
		{"arith sentence", arith, &ap, asst("The answer is 72"), 0},
		{"arith decimal", arith, &ap, asst("72.0"), 0},
		{"arith separators", arith, &ap, asst("7 2"), 0},
		{"arith empty", arith, &ap, asst(""), 0},
		{"arith tool call instead of an answer", arith, &ap, []chat.Message{{Role: chat.RoleAssistant, ToolCalls: []chat.ToolCall{call}}}, 0},
		{"calc with tool", calc, &cp, []chat.Message{{Role: chat.RoleAssistant, ToolCalls: []chat.ToolCall{call}},
			{Role: chat.RoleTool, Content: "1000"}, {Role: chat.RoleAssistant, Content: "1000"}}, 1},
		{"calc without tool", calc, &cp, asst("1000"), 1},
		{"calc ends in a call", calc, &cp, []chat.Message{{Role: chat.RoleAssistant, ToolCalls: []chat.ToolCall{call}},
			{Role: chat.RoleTool, Content: "1000"}}, 0},
		{"calc wrong", calc, &cp, []chat.Message{{Role: chat.RoleAssistant, ToolCalls: []chat.ToolCall{call}},
			{Role: chat.RoleTool, Content: "1000"}, {Role: chat.RoleAssistant, Content: "100"}}, 0},
		{"countdown correct", cd, &dp, asst("<think>25+15</think><answer> 25 + 5 * 3 </answer>"), 1},
		{"countdown correct other order", cd, &dp, asst("<answer>(3*5)+25</answer>"), 1},
		{"countdown division", cd, &dp, asst("<answer>(25 - 5) / 3 * 6</answer>"), 0.1},
		{"countdown no tag", cd, &dp, asst("25 + 5 * 3"), 0},
		{"countdown unclosed tag", cd, &dp, asst("<answer>25 + 5 * 3"), 0},
		{"countdown wrong value", cd, &dp, asst("<answer>25 + 5 + 3</answer>"), 0.1},
		{"countdown number reused", cd, &dp, asst("<answer>25 + 5 * 3 + 5 - 5</answer>"), 0.1},
		{"countdown number missing", cd, &dp, asst("<answer>25 + 15</answer>"), 0.1},
		{"countdown bad characters", cd, &dp, asst("<answer>25 + 5 * 3 = 40</answer>"), 0.1},
		{"countdown code", cd, &dp, asst("<answer>__import__('os') or 25+5*3</answer>"), 0.1},
		{"countdown does not parse", cd, &dp, asst("<answer>25 + 5 * (3</answer>"), 0.1},
		{"countdown division by zero", cd, &dp, asst("<answer>25 / (5 - 5) * 3</answer>"), 0.1},
		{"countdown last tag counts", cd, &dp, asst("<answer>25+5*3</answer><answer>25+5+3</answer>"), 0.1},
	}
	for _, c := range cases {
		got, err := c.tk.Score(c.p, c.tr)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if got != c.want {
			t.Errorf("%s: reward %v, want %v", c.name, got, c.want)
		}
	}
}

// TestScoreErrors checks the transcripts and prompts that cannot be scored.
func TestScoreErrors(t *testing.T) {
	arith := mustTask(t, "arithmetic:digits=2,ops=1", 1)
	cd := mustTask(t, "countdown:numbers=3,max=20", 1)
	cases := []struct {
		name string
		tk   Task
		p    *Prompt
		tr   []chat.Message
		err  string
	}{
		{"nil prompt", arith, nil, asst("1"), "nil prompt"},
		{"other task", arith, &Prompt{Task: cd.Spec(), Key: "3 5 7 -> 15"}, asst("1"), "scored by task"},
		{"no assistant turn", arith, &Prompt{Task: arith.Spec(), Key: "1 + 2"}, []chat.Message{{Role: chat.RoleTool, Content: "3"}}, "no assistant turn"},
		{"empty transcript", arith, &Prompt{Task: arith.Spec(), Key: "1 + 2"}, nil, "no assistant turn"},
		{"arith too many operands", arith, &Prompt{Task: arith.Spec(), Key: "1 + 2 + 3"}, asst("6"), "cannot verify"},
		{"arith operand too long", arith, &Prompt{Task: arith.Spec(), Key: "100 + 2"}, asst("102"), "cannot verify"},
		{"arith bad operator", arith, &Prompt{Task: arith.Spec(), Key: "1 / 2"}, asst("0"), "cannot verify"},
		{"arith code", arith, &Prompt{Task: arith.Spec(), Key: "os . system"}, asst("0"), "cannot verify"},
		{"countdown no arrow", cd, &Prompt{Task: cd.Spec(), Key: "3 5 7 15"}, asst("<answer>1</answer>"), "cannot verify"},
		{"countdown too few numbers", cd, &Prompt{Task: cd.Spec(), Key: "3 5 -> 15"}, asst("<answer>3*5</answer>"), "cannot verify"},
		{"countdown number too big", cd, &Prompt{Task: cd.Spec(), Key: "3 5 70 -> 15"}, asst("<answer>1</answer>"), "cannot verify"},
		{"countdown bad target", cd, &Prompt{Task: cd.Spec(), Key: "3 5 7 -> 0"}, asst("<answer>1</answer>"), "cannot verify"},
	}
	for _, c := range cases {
		if _, err := c.tk.Score(c.p, c.tr); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.err)
		}
	}
	if _, err := cd.Demonstration(&Prompt{Task: cd.Spec(), Key: "3 5 7 -> 15", Solution: "3 + 5 + 8"}); err == nil {
		t.Error("demonstration with a wrong solution: want an error")
	}
}
