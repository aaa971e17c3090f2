// Command tasktext writes task-flavoured pretraining text: problems of the
// training split of verifiable tasks (package posttrain/tasks), question
// then answer, one document per problem separated by blank lines, the tasks
// interleaved. Held-out problems are never written.
//
//	go run ./tools/tasktext -n 40000 -task arithmetic:digits=1 -task arithmetic:digits=2 >text.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/herd-llm/herd/posttrain/tasks"
)

type specs []string

func (s *specs) String() string     { return strings.Join(*s, ",") }
func (s *specs) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	var ts specs
	flag.Var(&ts, "task", "task spec (repeatable), e.g. arithmetic:digits=2")
	n := flag.Int("n", 10000, "training problems per task")
	seed := flag.Uint64("seed", 1, "seed of the tasks' splits (the same as herd sft/rl --seed)")
	flag.Parse()
	if len(ts) == 0 {
		fmt.Fprintln(os.Stderr, "tasktext: give at least one -task")
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	if err := write(w, ts, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "tasktext:", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "tasktext:", err)
		os.Exit(1)
	}
}

// write interleaves blocks of 100 problems of each task.
func write(w *bufio.Writer, specs []string, n int, seed uint64) error {
	var all []tasks.Task
	for _, s := range specs {
		t, err := tasks.New(s, seed)
		if err != nil {
			return err
		}
		all = append(all, t)
	}
	const block = 100
	for lo := 0; lo < n; lo += block {
		for _, t := range all {
			if err := tasks.WriteText(w, t, lo, min(lo+block, n)); err != nil {
				return err
			}
		}
	}
	return nil
}
