package sft

import (
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/posttrain/tasks"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train/dataset"
)

// testTokenizer is herd's embedded model's Llama 4-format tokenizer.
func testTokenizer(t testing.TB) *tokenizer.Tokenizer { return tinymodel.ShakespeareTokenizer(t) }

// trainedText decodes the runs of trained targets, one string per run.
func trainedText(tok *tokenizer.Tokenizer, s Seq) []string {
	var runs []string
	var cur []int32
	for j, y := range s.Targets {
		if y != dataset.IgnoreIndex {
			cur = append(cur, y)
		}
		if (y == dataset.IgnoreIndex || j == len(s.Targets)-1) && cur != nil {
			runs = append(runs, tok.Decode(cur, false))
			cur = nil
		}
	}
	return runs
}

// TestEncodeMask checks that exactly the assistant turns (content, tool
// calls as the template writes them, and <|eot|>) carry loss.
func TestEncodeMask(t *testing.T) {
	tok := testTokenizer(t)
	exs, err := ReadJSONLFile("testdata/chat.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"42<|eot|>"},
		{`<|python_start|><|python_end|>{"name": "calculator", "parameters": {"expression": "7 * 6"}}<|eot|>`, "42<|eot|>"},
		{"Hi!<|eot|>", "Hi again!<|eot|>"},
	}
	for i := range exs {
		s, err := Encode(tok, &exs[i])
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Inputs) != len(s.Targets) {
			t.Fatalf("example %d: %d inputs, %d targets", i, len(s.Inputs), len(s.Targets))
		}
		for j := 1; j < len(s.Inputs); j++ {
			if y := s.Targets[j-1]; y != dataset.IgnoreIndex && y != s.Inputs[j] {
				t.Fatalf("example %d: target %d is %d, next input %d", i, j-1, y, s.Inputs[j])
			}
		}
		got := trainedText(tok, s)
		if strings.Join(got, "|") != strings.Join(want[i], "|") {
			t.Errorf("example %d: trained on %q, want %q", i, got, want[i])
		}
	}
	// A conversation that starts with the assistant cannot hold tools.
	bad := Example{Line: 9, Messages: exs[1].Messages[1:], Tools: exs[1].Tools}
	if _, err := Encode(tok, &bad); err == nil || !strings.Contains(err.Error(), "line 9") {
		t.Errorf("assistant first with tools: %v", err)
	}
}

// TestTaskExamples checks the generated SFT data of every task: each
// example encodes, trains on its demonstration, and the held-out split
// shares no problem with the training split.
func TestTaskExamples(t *testing.T) {
	tok := testTokenizer(t)
	for _, spec := range []string{"arithmetic", "calculator", "countdown:numbers=3"} {
		tk, err := tasks.New(spec, 1)
		if err != nil {
			t.Fatal(err)
		}
		train, err := TaskExamples(tk, tasks.Train, 40)
		if err != nil {
			t.Fatal(err)
		}
		held, err := TaskExamples(tk, tasks.HeldOut, 40)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, ex := range train {
			seen[ex.Messages[0].Content] = true
		}
		for _, ex := range held {
			if seen[ex.Messages[0].Content] {
				t.Errorf("%s: held-out prompt %q is a training prompt", spec, ex.Messages[0].Content)
			}
		}
		for _, ex := range train[:5] {
			s, err := Encode(tok, &ex)
			if err != nil {
				t.Fatal(err)
			}
			runs := trainedText(tok, s)
			last := ex.Messages[len(ex.Messages)-1].Content + "<|eot|>"
			if runs[len(runs)-1] != last {
				t.Errorf("%s: trained on %q, want it to end with %q", spec, runs, last)
			}
		}
	}
	tk, _ := tasks.New("arithmetic", 1)
	if _, err := TaskExamples(tk, tasks.Train, 0); err == nil {
		t.Error("0 examples: want an error")
	}
}

func TestPack(t *testing.T) {
	seq := func(n, line int) Seq {
		s := Seq{Line: line, Inputs: make([]int32, n), Targets: make([]int32, n)}
		for j := range n {
			s.Inputs[j], s.Targets[j] = int32(line), int32(line)
		}
		return s
	}
	seqs := []Seq{seq(3, 1), seq(6, 2), seq(2, 3), seq(4, 4), seq(5, 5)}
	cases := []struct {
		pack bool
		rows [][]int32 // inputs per row
	}{
		// Decreasing length 6,5,4,3,2 first-fit into 8: [6 2] [5 3] [4].
		{true, [][]int32{{2, 2, 2, 2, 2, 2, 3, 3}, {5, 5, 5, 5, 5, 1, 1, 1}, {4, 4, 4, 4, 0, 0, 0, 0}}},
		{false, [][]int32{{1, 1, 1, 0, 0, 0, 0, 0}, {2, 2, 2, 2, 2, 2, 0, 0}, {3, 3, 0, 0, 0, 0, 0, 0}, {4, 4, 4, 4, 0, 0, 0, 0}, {5, 5, 5, 5, 5, 0, 0, 0}}},
	}
	for _, c := range cases {
		rows, err := Pack(seqs, 8, 0, c.pack)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(c.rows) {
			t.Fatalf("pack %v: %d rows, want %d", c.pack, len(rows), len(c.rows))
		}
		examples := 0
		for k, r := range rows {
			examples += r.Examples
			for j := range 8 {
				wantT := r.Inputs[j]
				if r.Inputs[j] == 0 {
					wantT = dataset.IgnoreIndex
				}
				if r.Inputs[j] != c.rows[k][j] || r.Targets[j] != wantT {
					t.Fatalf("pack %v: row %d is %v / %v, want inputs %v", c.pack, k, r.Inputs, r.Targets, c.rows[k])
				}
			}
		}
		if examples != len(seqs) {
			t.Errorf("pack %v: %d examples in the rows, want %d", c.pack, examples, len(seqs))
		}
	}
	if _, err := Pack(seqs, 5, 0, true); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("too long: %v", err)
	}
	if _, err := Pack(seqs, 0, 0, true); err == nil {
		t.Error("T 0: want an error")
	}
}
