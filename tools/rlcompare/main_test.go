package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestReadEval reads a herd rl eval.csv into one curve per task (in their
// first order; task names hold commas, so they are quoted) and refuses
// files that are not one.
func TestReadEval(t *testing.T) {
	const good = `step,elapsed_s,task,problems,pass1_greedy,k,pass_at_k,mean_sampled
0,1.5,"arithmetic:digits=1,ops=1",100,0.25,1,0.28,0.28
0,1.5,"arithmetic:digits=2,ops=1",100,0.34,1,0.21,0.21
4,13,"arithmetic:digits=1,ops=1",100,0.74,1,0.7,0.7
4,13,"arithmetic:digits=2,ops=1",100,0.65,1,0.6,0.6
`
	dir := t.TempDir()
	files := map[string]string{"good.csv": good, "log.csv": "step,round,elapsed_s,reward\n1,1,2,0.5\n", "empty.csv": "",
		"bad.csv": strings.Replace(good, "0.74", "x", 1)}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := readEval(filepath.Join(dir, "good.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := []evalCurve{
		{task: "arithmetic:digits=1,ops=1", wall: []float64{1.5, 13}, pass1: []float64{0.25, 0.74}},
		{task: "arithmetic:digits=2,ops=1", wall: []float64{1.5, 13}, pass1: []float64{0.34, 0.65}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, tc := range []struct{ name, want string }{
		{"log.csv", "not a herd rl eval.csv"},
		{"empty.csv", "not a herd rl eval.csv"},
		{"bad.csv", "parsing"},
	} {
		if _, err := readEval(filepath.Join(dir, tc.name)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}
