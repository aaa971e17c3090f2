package guard

import (
	"context"

	"github.com/herd-llm/herd/chat"
)

// Classifier judges the last message of a conversation, or with role the
// last message of that role (RoleUser, RoleAgent). LlamaGuard implements it;
// tests put fakes behind the same interface.
type Classifier interface {
	Classify(ctx context.Context, conv []chat.Message, role string) (Verdict, error)
}
