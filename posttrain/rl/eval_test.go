package rl

import (
	"context"
	"math"
	"testing"

	"github.com/herd-llm/herd/posttrain/tasks"
)

// TestEvaluateLengths checks Evaluate's accuracies and answer lengths
// against the fake generator's answers (fakeAnswer, then the end-of-turn
// token).
func TestEvaluateLengths(t *testing.T) {
	tok := testTokenizer(t)
	const n, k, seed = 6, 4, 1
	for _, wrong := range []bool{false, true} {
		r := testRun(t, &fakeGen{tok: tok, wrong: wrong}, "", nil)
		res, err := Evaluate(context.Background(), r.Roller, r.Cfg.Tasks, n, k, 2, seed)
		if err != nil {
			t.Fatal(err)
		}
		task := r.Cfg.Tasks[0]
		answer := func(val int64, s uint64) (int, bool) {
			text, ok := fakeAnswer(val, s, wrong, false)
			return len(tok.Encode(text, false)) + 1, ok // + the end of turn
		}
		var pass1, passK, sampled, correctLen, sampledLen float64
		for i := range n {
			val := heldOutValue(t, task, i)
			if l, ok := answer(val, 0); ok {
				pass1++
				correctLen += float64(l)
			}
			solved := false
			for j := range k {
				l, ok := answer(val, seedOf(seed, 3, 0, uint64(i))+uint64(j))
				sampledLen += float64(l)
				if ok {
					sampled++
					solved = true
				}
			}
			if solved {
				passK++
			}
		}
		correctLen /= pass1
		want := EvalResult{Task: task.Spec(), Problems: n, Pass1: pass1 / n, K: k, PassK: passK / n, MeanSampled: sampled / (n * k),
			CorrectLen: correctLen, SampledLen: sampledLen / (n * k)}
		got := res[0]
		same := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 || (math.IsNaN(a) && math.IsNaN(b)) }
		if got.Task != want.Task || got.Problems != n || got.K != k || !same(got.Pass1, want.Pass1) || !same(got.PassK, want.PassK) ||
			!same(got.MeanSampled, want.MeanSampled) || !same(got.CorrectLen, want.CorrectLen) || !same(got.SampledLen, want.SampledLen) {
			t.Errorf("wrong %v: got %+v, want %+v", wrong, got, want)
		}
		if wrong && !math.IsNaN(got.CorrectLen) {
			t.Errorf("all wrong: correct length %g, want NaN", got.CorrectLen)
		}
	}
}

// TestEvaluateSamples checks EvaluateSamples's accuracy and lengths against
// the fake generator's answers (fakeAnswer, some correct ones longer), at
// its own seeds,
// and its refusal of impossible settings.
func TestEvaluateSamples(t *testing.T) {
	tok := testTokenizer(t)
	const n, k, seed, temp = 12, 4, 3, 1.5
	for _, wrong := range []bool{false, true} {
		r := testRun(t, &fakeGen{tok: tok, wrong: wrong, long: true}, "", nil)
		res, err := EvaluateSamples(context.Background(), r.Roller, r.Cfg.Tasks, n, k, 2, temp, seed)
		if err != nil {
			t.Fatal(err)
		}
		task := r.Cfg.Tasks[0]
		var correct, correctLen, allLen float64
		for i := range n {
			val := heldOutValue(t, task, i)
			for j := range k {
				text, ok := fakeAnswer(val, seedOf(seed, 5, 0, uint64(i))+uint64(j), wrong, true)
				l := float64(len(tok.Encode(text, false)) + 1)
				allLen += l
				if ok {
					correct++
					correctLen += l
				}
			}
		}
		want := SampleStats{Task: task.Spec(), Problems: n, K: k, Temperature: temp, Correct: correct / (n * k), CorrectLen: correctLen / correct, Len: allLen / (n * k)}
		got := res[0]
		same := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 || (math.IsNaN(a) && math.IsNaN(b)) }
		if got.Task != want.Task || got.Problems != n || got.K != k || got.Temperature != temp || !same(got.Correct, want.Correct) ||
			!same(got.CorrectLen, want.CorrectLen) || !same(got.Len, want.Len) {
			t.Errorf("wrong %v: got %+v, want %+v", wrong, got, want)
		}
		if wrong != math.IsNaN(got.CorrectLen) {
			t.Errorf("wrong %v: correct length %g", wrong, got.CorrectLen)
		}
	}
	r := testRun(t, &fakeGen{tok: tok}, "", nil)
	for _, c := range []struct {
		n, k int
		temp float64
	}{{0, 4, 1}, {3, 0, 1}, {3, 4, 0}, {3, 4, math.NaN()}} {
		if _, err := EvaluateSamples(context.Background(), r.Roller, r.Cfg.Tasks, c.n, c.k, 2, c.temp, 1); err == nil {
			t.Errorf("n %d, k %d, temperature %g: no error", c.n, c.k, c.temp)
		}
	}
}

// heldOutValue is the value of task's held-out problem i.
func heldOutValue(t *testing.T, task tasks.Task, i int) int64 {
	t.Helper()
	p, err := task.Sample(tasks.HeldOut, i)
	if err != nil {
		t.Fatal(err)
	}
	v, err := tasks.Eval(p.Key)
	if err != nil {
		t.Fatal(err)
	}
	return v.Num().Int64()
}
