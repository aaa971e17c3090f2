package rl

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLoopStaleness runs the loop with a fake generator at staleness 0, 1
// and 2: every consumed group is within the bound, the generator gets
// every version in order, and the log has one row per step.
func TestLoopStaleness(t *testing.T) {
	for _, k := range []int{0, 1, 2} {
		t.Run(string(rune('0'+k)), func(t *testing.T) {
			gen := &fakeGen{tok: testTokenizer(t), delay: 2 * time.Millisecond}
			dir := t.TempDir()
			r := testRun(t, gen, dir, func(c *Config) { c.Staleness = k; c.Steps = 6 })
			if err := r.Loop(context.Background(), 0); err != nil {
				t.Fatal(err)
			}
			if r.Step != 6 {
				t.Fatalf("step %d, want 6", r.Step)
			}
			if want := []int64{1, 2, 3, 4, 5, 6}; !slices.Equal(gen.versions, want) {
				t.Fatalf("versions pushed %v, want %v", gen.versions, want)
			}
			_, rows, err := readCSV(filepath.Join(dir, LogFile))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 6 {
				t.Fatalf("%d log rows, want 6", len(rows))
			}
			for _, row := range rows {
				if row[10] > string(rune('0'+k)) {
					t.Fatalf("step %s: max staleness %s above %d", row[0], row[10], k)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, CurveFile)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestLoopSlowGroups: with some groups 40× slower than the others, newer
// groups finish first; the learner still consumes them in start order, so
// no group is older than the staleness bound (consuming in completion
// order failed here with "versions old").
func TestLoopSlowGroups(t *testing.T) {
	gen := &fakeGen{tok: testTokenizer(t), delay: time.Millisecond, slow: 40 * time.Millisecond, slowMod: 3}
	r := testRun(t, gen, t.TempDir(), func(c *Config) {
		c.Staleness, c.Steps, c.StepsPerRound, c.PoolSize, c.Concurrency, c.GroupsPerStep = 1, 12, 6, 24, 6, 2
	})
	if err := r.Loop(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if r.Step != 12 {
		t.Fatalf("step %d, want 12", r.Step)
	}
}

// TestLoopResume: a run killed after its first round and resumed from the
// checkpoint ends with the same parameters and log as an uninterrupted
// one (synchronous, so the rollouts are a function of the step).
func TestLoopResume(t *testing.T) {
	tok := testTokenizer(t)
	full := testRun(t, &fakeGen{tok: tok}, t.TempDir(), func(c *Config) { c.SaveEvery = 1 })
	if err := full.Loop(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	part := testRun(t, &fakeGen{tok: tok}, dir, func(c *Config) { c.SaveEvery = 1 })
	if err := part.Loop(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	saved, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Step != 2 || saved.Round != 1 {
		t.Fatalf("checkpoint at step %d round %d, want 2 and 1", saved.Step, saved.Round)
	}
	gen := &fakeGen{tok: tok, version: 2}
	res := testRun(t, gen, dir, func(c *Config) { c.SaveEvery = 1 })
	if err := saved.Restore(res); err != nil {
		t.Fatal(err)
	}
	if err := res.Loop(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	for i, a := range full.Learner.Params.Tensors {
		if !slices.Equal(a.Data, res.Learner.Params.Tensors[i].Data) {
			t.Fatalf("tensor %s differs after resuming", a.Name)
		}
	}
	cut := func(dir string) []string {
		_, rows, err := readCSV(filepath.Join(dir, LogFile))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			r[2], r[18] = "", "" // elapsed time, samples/s
			out = append(out, strings.Join(r, ","))
		}
		return out
	}
	if a, b := cut(full.Dir), cut(dir); !slices.Equal(a, b) {
		t.Fatalf("logs differ:\n%s\nresumed:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
}

// TestLoopNoSignal: a policy that never solves a prompt gives no learning
// signal; the run stops with an error instead of looping.
func TestLoopNoSignal(t *testing.T) {
	gen := &fakeGen{tok: testTokenizer(t), wrong: true}
	for _, k := range []int{0, 4} {
		r := testRun(t, gen, "", func(c *Config) { c.PassK, c.DropZero = k, true })
		err := r.Loop(context.Background(), 0)
		if err == nil || !strings.Contains(err.Error(), "no learning signal") {
			t.Fatalf("pass-k %d: %v", k, err)
		}
	}
}
