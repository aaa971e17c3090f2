package repl

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/embedded"
	"github.com/herd-llm/herd/sample"
	"github.com/herd-llm/herd/tensor"
)

// cancelOnWrite cancels a context at the first write: Ctrl-C as the first
// token of an answer appears.
type cancelOnWrite struct {
	cancel context.CancelFunc
	b      bytes.Buffer
}

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	c.cancel()
	return c.b.Write(p)
}

// TestChatStoppedAnswerKept: an answer stopped by Ctrl-C stays in the
// conversation, which goes on.
func TestChatStoppedAnswerKept(t *testing.T) {
	m, tok, err := embedded.Load()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(m, tok, tensor.F16, 512, sample.Params{Temperature: 0}, 200, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &cancelOnWrite{cancel: cancel}
	answer, err := s.Turn(ctx, "ROMEO:", out)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.msgs) != 2 || s.msgs[0].Role != chat.RoleUser || s.msgs[1].Role != chat.RoleAssistant || s.msgs[1].Content != answer {
		t.Fatalf("stopped answer not kept: %+v", s.msgs)
	}
	if strings.TrimSuffix(out.b.String(), "\n") != answer {
		t.Errorf("printed %q, kept %q", out.b.String(), answer)
	}
	if _, err := s.Turn(context.Background(), "JULIET:", io.Discard); err != nil || len(s.msgs) != 4 {
		t.Fatalf("next turn: %v, %d messages", err, len(s.msgs))
	}
}
