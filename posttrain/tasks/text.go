package tasks

import (
	"fmt"
	"io"
	"strings"

	"github.com/herd-llm/herd/chat"
)

// WriteText writes problems lo…hi−1 of t's training split as plain text for
// pretraining, one document per problem separated by a blank line: the
// user's message as the chat prompt has it, a newline, and the reference
// answer (the content of the demonstration's last assistant turn). Keeping
// the whole message (instruction included) matters: a base pretrained on
// the bare questions ("What is 47 * 3?") was not brought to answer the chat
// prompt by the recipe's light SFT (docs/post-training.md). It never reads the held-out split, so a
// model pretrained on this text has not seen a held-out problem. Tool turns
// and tool calls are left out: the text teaches the task, SFT the format.
func WriteText(w io.Writer, t Task, lo, hi int) error {
	if lo < 0 || hi < lo {
		return fmt.Errorf("tasks: %s: bad problem range %d…%d", t.Spec(), lo, hi)
	}
	for i := lo; i < hi; i++ {
		p, err := t.Sample(Train, i)
		if err != nil {
			return err
		}
		demo, err := t.Demonstration(&p)
		if err != nil {
			return err
		}
		var sb strings.Builder
		for _, m := range p.Messages {
			sb.WriteString(m.Content)
			sb.WriteByte('\n')
		}
		answer := ""
		for _, m := range demo {
			if m.Role == chat.RoleAssistant && m.Content != "" {
				answer = m.Content
			}
		}
		sb.WriteString(answer)
		sb.WriteString("\n\n")
		if _, err := io.WriteString(w, sb.String()); err != nil {
			return fmt.Errorf("tasks: writing text of %s: %w", t.Spec(), err)
		}
	}
	return nil
}
