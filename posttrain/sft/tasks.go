package sft

import (
	"fmt"

	"github.com/herd-llm/herd/posttrain/tasks"
)

// TaskExamples returns n examples of task t's split: problems 0…n−1, each
// its prompt followed by the task's reference demonstration (tool calls and
// results included for tool tasks).
func TaskExamples(t tasks.Task, split tasks.Split, n int) ([]Example, error) {
	if n <= 0 {
		return nil, fmt.Errorf("sft: %d examples of %s: need at least 1", n, t.Spec())
	}
	out := make([]Example, 0, n)
	for i := range n {
		p, err := t.Sample(split, i)
		if err != nil {
			return nil, err
		}
		demo, err := t.Demonstration(&p)
		if err != nil {
			return nil, err
		}
		out = append(out, Example{Messages: append(p.Messages, demo...), Tools: p.Tools})
	}
	return out, nil
}
