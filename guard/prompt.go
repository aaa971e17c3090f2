package guard

import (
	"errors"
	"fmt"
	"strings"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/tokenizer"
)

// Roles a check can be made for: the last user message (a request) or the
// last agent message (an answer).
const (
	RoleUser  = "user"
	RoleAgent = "agent"
)

// ErrEmpty is returned for a conversation with nothing to check.
var ErrEmpty = errors.New("guard: the conversation is empty")

// Fixed text of the prompt (llama-stack's Llama Guard shield template; its
// task line reads "according our safety policy", as the model was trained).
const (
	promptTask         = "Task: Check if there is unsafe content in '%s' messages in conversations according our safety policy with the below categories.\n\n"
	promptCategories   = "<BEGIN UNSAFE CONTENT CATEGORIES>\n%s\n<END UNSAFE CONTENT CATEGORIES>\n"
	promptConversation = "\n<BEGIN CONVERSATION>\n\n%s\n\n<END CONVERSATION>\n"
	promptInstructions = "\nProvide your safety assessment for ONLY THE LAST %s message in the above conversation:\n" +
		" - First line must read 'safe' or 'unsafe'.\n" +
		" - If unsafe, a second line must include a comma-separated list of violated categories."
	imageText = "<image>" // an image kept in the conversation text
)

// PromptOptions choose the policy and the turn a prompt checks.
type PromptOptions struct {
	// Categories is the policy (nil: Categories, S1–S14).
	Categories []Category
	// Excluded are codes left out of the prompt; excluding every category
	// excludes none, as in the reference.
	Excluded []string
	// Role is the role whose last message is checked: RoleUser or RoleAgent;
	// "" checks the conversation's last message. The conversation is cut
	// after that message.
	Role string
}

// BuildMessages returns the guard's input for conv: one user message
// holding the prompt text, preceded by the most recent user image when the
// conversation has images (the first image of the last user message that
// has any; others are dropped, as the reference's vision input does). conv
// holds user and assistant messages (the assistant is the "Agent"); images
// may appear only in user messages.
func BuildMessages(conv []chat.Message, o PromptOptions) ([]chat.Message, error) {
	conv, err := cut(conv, o.Role)
	if err != nil {
		return nil, err
	}
	cats := o.Categories
	if cats == nil {
		cats = Categories
	}
	catLines, err := categoryLines(cats, o.Excluded)
	if err != nil {
		return nil, err
	}
	kept := -1 // index of the message whose first image is kept
	for i := len(conv) - 1; i >= 0 && kept < 0; i-- {
		for _, p := range conv[i].Parts {
			if p.Image {
				kept = i
				break
			}
		}
	}
	turns := make([]string, len(conv))
	for i := range conv {
		m := &conv[i]
		name := roleName(m.Role)
		if m.Parts == nil {
			turns[i] = name + ": " + m.Content
			continue
		}
		var items []string
		img := false
		for _, p := range m.Parts {
			switch {
			case !p.Image:
				items = append(items, p.Text)
			case i == kept && !img:
				items = append(items, imageText)
				img = true
			}
		}
		turns[i] = name + ": " + strings.Join(items, " ")
	}
	last := roleName(conv[len(conv)-1].Role)
	text := fmt.Sprintf(promptTask, last) + fmt.Sprintf(promptCategories, catLines) +
		fmt.Sprintf(promptConversation, strings.Join(turns, "\n\n")) + fmt.Sprintf(promptInstructions, last)
	msg := chat.Message{Role: chat.RoleUser, Content: text}
	if kept >= 0 {
		msg = chat.Message{Role: chat.RoleUser, Parts: []chat.Part{{Image: true}, {Text: text}}}
	}
	return []chat.Message{msg}, nil
}

// Render returns the guard prompt for conv as text, in the Llama 4 chat
// format with the assistant header that the verdict follows.
func Render(conv []chat.Message, o PromptOptions) (string, error) {
	msgs, err := BuildMessages(conv, o)
	if err != nil {
		return "", err
	}
	return chat.Render(msgs, chat.Options{AddGenerationPrompt: true})
}

// Encode returns the token ids of the guard prompt for conv (chat.Encode:
// the conversation's text can never inject special tokens).
func Encode(tok *tokenizer.Tokenizer, conv []chat.Message, o PromptOptions) ([]int32, error) {
	msgs, err := BuildMessages(conv, o)
	if err != nil {
		return nil, err
	}
	return chat.Encode(tok, msgs, chat.Options{AddGenerationPrompt: true})
}

// cut checks conv and ends it after the last message of role.
func cut(conv []chat.Message, role string) ([]chat.Message, error) {
	if len(conv) == 0 {
		return nil, ErrEmpty
	}
	for i, m := range conv {
		switch m.Role {
		case chat.RoleUser:
		case chat.RoleAssistant:
			for _, p := range m.Parts {
				if p.Image {
					return nil, fmt.Errorf("guard: message %d: images are only checked in user messages", i)
				}
			}
		default:
			return nil, fmt.Errorf("guard: message %d has role %q; a guard checks user and assistant (agent) messages", i, m.Role)
		}
	}
	want := ""
	switch role {
	case "":
		return conv, nil
	case RoleUser:
		want = chat.RoleUser
	case RoleAgent, chat.RoleAssistant:
		want = chat.RoleAssistant
	default:
		return nil, fmt.Errorf("guard: unknown role %q (want user or agent)", role)
	}
	for i := len(conv) - 1; i >= 0; i-- {
		if conv[i].Role == want {
			return conv[:i+1], nil
		}
	}
	return nil, fmt.Errorf("guard: the conversation has no %s message to check", role)
}

// roleName is how the prompt names a role.
func roleName(role string) string {
	if role == chat.RoleAssistant {
		return "Agent"
	}
	return "User"
}

// categoryLines lists the categories that are not excluded, one
// "S1: Name." line each (and its description, if any, on the next line).
func categoryLines(cats []Category, excluded []string) (string, error) {
	ex := map[string]bool{}
	for _, code := range excluded {
		if !hasCode(cats, code) {
			return "", fmt.Errorf("guard: excluded category %q is not in the policy", code)
		}
		ex[code] = true
	}
	if len(ex) == len(cats) {
		ex = nil // excluding everything excludes nothing (as the reference does)
	}
	var lines []string
	for _, c := range cats {
		if ex[c.Code] {
			continue
		}
		l := c.Code + ": " + c.Name + "."
		if c.Description != "" {
			l += "\n" + c.Description
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n"), nil
}
