package tasks

import (
	"strings"
	"testing"

	"github.com/herd-llm/herd/chat"
)

func TestWorkedAnswer(t *testing.T) {
	cases := map[string]string{
		"47 + 38": "Steps: 40 + 30 + 7 + 8 = 70 + 15 = <answer>85</answer>",
		"47 - 38": "Steps: 40 - 30 + 7 - 8 = 10 + -1 = <answer>9</answer>",
		"7 - 38":  "Steps: -30 + 7 - 8 = -30 + -1 = <answer>-31</answer>",
		"7 + 38":  "Steps: 30 + 7 + 8 = 30 + 15 = <answer>45</answer>",
		"47 - 8":  "Steps: 40 + 7 - 8 = 40 + -1 = <answer>39</answer>",
		"47 * 8":  "Steps: 40 * 8 + 7 * 8 = 320 + 56 = <answer>376</answer>",
		"8 * 47":  "Steps: 8 * 40 + 8 * 7 = 320 + 56 = <answer>376</answer>",
		"47 * 38": "Steps: 40 * 30 + 40 * 8 + 7 * 30 + 7 * 8 = 1200 + 320 + 210 + 56 = <answer>1786</answer>",
		"7 + 8":   "Steps: 7 + 8 = <answer>15</answer>",
		"0 * 5":   "Steps: 0 * 5 = <answer>0</answer>",
	}
	for key, want := range cases {
		got, err := workedAnswer(key)
		if err != nil || got != want {
			t.Errorf("workedAnswer(%q) = %q, %v; want %q", key, got, err, want)
		}
	}
	for _, bad := range []string{"1 + 2 + 3", "100 + 1", "4 / 2"} {
		if _, err := workedAnswer(bad); err == nil {
			t.Errorf("workedAnswer(%q): no error", bad)
		}
	}
}

// TestWorkingDemonstrations checks that working=F gives about F of the
// demonstrations a worked answer, that every step of it is true, and that
// each scores 1.
func TestWorkingDemonstrations(t *testing.T) {
	tk := mustTask(t, "arithmetic:digits=2,working=0.3", 1)
	if tk.Spec() != "arithmetic:digits=2,ops=1,working=0.3" {
		t.Fatalf("spec %q", tk.Spec())
	}
	worked := 0
	const n = 2000
	for i := range n {
		p := mustSample(t, tk, Train, i)
		demo, err := tk.Demonstration(&p)
		if err != nil {
			t.Fatal(err)
		}
		c := demo[0].Content
		if strings.HasPrefix(c, workingPrefix) {
			worked++
			body := strings.TrimSuffix(strings.TrimPrefix(c, workingPrefix), "</answer>")
			body = strings.Replace(body, "<answer>", "", 1)
			steps := strings.Split(body, " = ")
			want, _ := Eval(p.Key)
			for _, s := range steps {
				if v, err := Eval(s); err != nil || v.Cmp(want) != 0 {
					t.Fatalf("%s: step %q of %q is %v, %v; want %v", p.Key, s, c, v, err, want)
				}
			}
		}
		if r, err := tk.Score(&p, []chat.Message{{Role: chat.RoleAssistant, Content: c}}); err != nil || r != 1 {
			t.Fatalf("%s: demonstration %q scores %v, %v", p.Key, c, r, err)
		}
	}
	if worked < n/4 || worked > n*7/20 {
		t.Errorf("%d of %d demonstrations worked, want about 30%%", worked, n)
	}
	for _, bad := range []string{"arithmetic:digits=3,working=0.5", "arithmetic:ops=2,working=0.5", "arithmetic:working=2", "calculator:working=0.5"} {
		if _, err := New(bad, 1); err == nil {
			t.Errorf("New(%q): no error", bad)
		}
	}
}
