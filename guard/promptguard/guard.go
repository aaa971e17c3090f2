package promptguard

import (
	"context"
	"fmt"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/guard"
)

// TaskName is Prompt Guard's name on a scheduler it shares with a
// server's engines (Classifier.Turns).
const TaskName = "prompt-guard"

// Guard is Prompt Guard behind guard.Classifier: it scores the last
// message (of the role asked for) and flags it when the probability of
// MALICIOUS is at least Threshold (default 0.5). Prompt Guard judges
// inputs (jailbreaks, prompt injections); it has no hazard categories.
type Guard struct {
	C         *Classifier
	Threshold float64
}

// Classify implements guard.Classifier.
func (g *Guard) Classify(ctx context.Context, conv []chat.Message, role string) (guard.Verdict, error) {
	want := ""
	switch role {
	case "":
	case guard.RoleUser:
		want = chat.RoleUser
	case guard.RoleAgent:
		want = chat.RoleAssistant
	default:
		return guard.Verdict{}, fmt.Errorf("promptguard: unknown role %q (want user or agent)", role)
	}
	text, found := "", false
	for i := len(conv) - 1; i >= 0 && !found; i-- {
		if want == "" || conv[i].Role == want {
			text, found = conv[i].Content, true
			for _, p := range conv[i].Parts {
				if !p.Image {
					text += p.Text
				}
			}
		}
	}
	if !found {
		return guard.Verdict{}, fmt.Errorf("promptguard: the conversation has no %s message to check", role)
	}
	s, err := g.C.ScoreContext(ctx, text)
	if err != nil {
		return guard.Verdict{}, err
	}
	th := g.Threshold
	if th <= 0 {
		th = 0.5
	}
	return guard.Verdict{Unsafe: s.Malicious >= th, Score: s.Malicious, Output: fmt.Sprintf("%s (%d window(s))", s.Label, s.Windows)}, nil
}
