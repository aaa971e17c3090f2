// Package chat renders conversations in the Llama 4 instruct format (spec
// §4.4, Hugging Face's chat template for Llama 4) and parses what the model
// writes back: plain content and tool calls, whole or as a stream.
package chat

import "encoding/json"

// Roles of a message.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"    // a tool result; rendered under the ipython header
	RoleIPython   = "ipython" // the same as RoleTool
)

// Message is one turn of a conversation.
type Message struct {
	Role string
	// Content is the text of the turn. It is ignored when Parts is set.
	Content string
	// Parts, when set, is the content as a sequence of text and images; each
	// image renders as the <|image|> placeholder that the image processor
	// expands (spec §5.6).
	Parts []Part
	// ToolCalls, on an assistant message, are the calls it made.
	ToolCalls []ToolCall
}

// Part is a piece of a message: text, or an image when Image is set.
type Part struct {
	Text  string
	Image bool
}

// ToolCall is a call of a function by the model.
type ToolCall struct {
	Name string
	// Arguments is a JSON object. The parsers here return it compact, with
	// keys in the order the model wrote them.
	Arguments json.RawMessage
}

// Options changes how a conversation is rendered.
type Options struct {
	// AddGenerationPrompt ends the prompt with the assistant header, so that
	// the model writes the next assistant turn.
	AddGenerationPrompt bool
	// Tools are the definitions of the functions the model may call, each a
	// JSON object (for example {"type": "function", "function": {...}}),
	// rendered as the template's tojson(indent=4) does.
	Tools []json.RawMessage
	// ToolsInSystem puts the tool definitions in the system turn instead of
	// the first user turn (the template's tools_in_user_message=false). As in
	// the template, they are then only rendered when there is a system
	// message.
	ToolsInSystem bool
}

// text returns the content of m as the template renders it: the text parts
// in order with each image as <|image|>.
func (m *Message) text() string {
	if m.Parts == nil {
		return m.Content
	}
	var s string
	for _, p := range m.Parts {
		if p.Image {
			s += imageToken
		} else {
			s += p.Text
		}
	}
	return s
}
