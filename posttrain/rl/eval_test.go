package rl

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/herd-llm/herd/posttrain/tasks"
)

// TestEvaluateLengths checks Evaluate's accuracies and answer lengths
// against the fake generator's answers, computed here from its rule: the
// value, plus one when the generator is wrong or when (seed + j) % 3 == 0
// and the value is odd; then the end-of-turn token.
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
			ans := val
			if wrong || (s%3 == 0 && val%2 != 0) {
				ans++
			}
			return len(tok.Encode(fmt.Sprint(ans), false)) + 1, ans == val
		}
		var pass1, passK, sampled, correctLen, sampledLen float64
		for i := range n {
			p, err := task.Sample(tasks.HeldOut, i)
			if err != nil {
				t.Fatal(err)
			}
			v, err := tasks.Eval(p.Key)
			if err != nil {
				t.Fatal(err)
			}
			val := v.Num().Int64()
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
