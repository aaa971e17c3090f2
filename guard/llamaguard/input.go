package llamaguard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/guard"
)

// Input reads the conversation to check from exactly one of TEXT,
// --file and --chat. A TEXT or file is one message of role (user unless
// --role agent).
func Input(pos []string, file, chatArg, role string, stdin io.Reader) ([]chat.Message, error) {
	n := 0
	for _, given := range []bool{len(pos) > 0, file != "", chatArg != ""} {
		if given {
			n++
		}
	}
	if n != 1 {
		return nil, settingError{fmt.Errorf("give exactly one of TEXT, --file and --chat")}
	}
	msgRole := chat.RoleUser
	if role == guard.RoleAgent {
		msgRole = chat.RoleAssistant
	}
	switch {
	case len(pos) > 0:
		return []chat.Message{{Role: msgRole, Content: strings.Join(pos, " ")}}, nil
	case file != "":
		var b []byte
		var err error
		if file == "-" {
			b, err = io.ReadAll(stdin)
		} else {
			b, err = os.ReadFile(file)
		}
		if err != nil {
			return nil, fmt.Errorf("--file: %w", err)
		}
		return []chat.Message{{Role: msgRole, Content: string(b)}}, nil
	}
	data := []byte(chatArg)
	if name, ok := strings.CutPrefix(chatArg, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("--chat: %w", err)
		}
		data = b
	}
	return ParseChat(data)
}

// ParseChat reads an OpenAI-style message list: content a string or
// a list of {"type": "text", "text": …} parts; role user, assistant or
// agent.
func ParseChat(data []byte) ([]chat.Message, error) {
	var msgs []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(data, &msgs); err != nil {
		return nil, settingError{fmt.Errorf("--chat: not a JSON array of messages: %w", err)}
	}
	out := make([]chat.Message, len(msgs))
	for i, m := range msgs {
		switch m.Role {
		case "user":
			out[i].Role = chat.RoleUser
		case "assistant", "agent":
			out[i].Role = chat.RoleAssistant
		default:
			return nil, settingError{fmt.Errorf("--chat: message %d has role %q (want user or assistant)", i, m.Role)}
		}
		raw := bytes.TrimSpace(m.Content)
		c, err := chat.DecodeContent(raw)
		switch {
		case len(raw) == 0:
			return nil, settingError{fmt.Errorf("--chat: message %d has no content", i)}
		case err != nil:
			return nil, settingError{fmt.Errorf("--chat: message %d: content must be a string or text parts, not %.40s", i, raw)}
		case c.NonText() >= 0:
			return nil, settingError{fmt.Errorf("--chat: message %d: content part type %q (herd guard checks text)", i, c.Parts[c.NonText()].Type)}
		}
		out[i].Content = c.Text
	}
	return out, nil
}
