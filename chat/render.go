package chat

import (
	"errors"
	"fmt"
	"strings"
)

// Special token names of the format.
const (
	bosToken         = "<|begin_of_text|>"
	headerStart      = "<|header_start|>"
	headerEnd        = "<|header_end|>"
	eotToken         = "<|eot|>"
	pythonStartToken = "<|python_start|>"
	pythonEndToken   = "<|python_end|>"
	imageToken       = "<|image|>"
)

// Fixed text of the template around tool definitions.
const (
	environmentLine  = "Environment: ipython\n"
	systemToolsIntro = "You have access to the following functions. To call a function, please respond with JSON for a function call." +
		`Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.` +
		"Do not use variables.\n\n"
	userToolsIntro = "Given the following functions, please respond with a JSON for a function call " +
		"with its proper arguments that best answers the given prompt.\n\n" +
		`Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.` +
		"Do not use variables.\n\n"
)

// ErrNoUserMessage is returned when tools go in the first user turn and the
// conversation has none.
var ErrNoUserMessage = errors.New("chat: cannot put tools in the first user message: there is none")

// segment is a piece of a rendered prompt: the name of a special token that
// the template wrote, or text (which may come from the caller).
type segment struct {
	text    string
	special bool
}

// prompt collects segments.
type prompt []segment

func (p *prompt) special(name string) { *p = append(*p, segment{name, true}) }
func (p *prompt) text(s string) {
	if s != "" {
		*p = append(*p, segment{s, false})
	}
}

// header writes the header of a turn.
func (p *prompt) header(role string) {
	p.special(headerStart)
	p.text(role)
	p.special(headerEnd)
	p.text("\n\n")
}

// content writes a message body, with each image as the <|image|> token.
func (p *prompt) content(m *Message) {
	if m.Parts == nil {
		p.text(m.Content)
		return
	}
	for _, part := range m.Parts {
		if part.Image {
			p.special(imageToken)
		} else {
			p.text(part.Text)
		}
	}
}

// String joins the segments into the prompt text.
func (p prompt) String() string {
	var sb strings.Builder
	for _, s := range p {
		sb.WriteString(s.text)
	}
	return sb.String()
}

// Render returns the prompt text for msgs as Hugging Face's Llama 4 chat
// template renders it, <|begin_of_text|> included: tokenize it with special
// tokens allowed and add no BOS of your own (Encode does both).
//
// As in the template: a leading system message is trimmed; with Tools, the
// system turn (if any) starts with "Environment: ipython", and the
// definitions go in the first user turn (trimmed) or, with ToolsInSystem, in
// the system turn; an assistant message with ToolCalls is written as
// <|python_start|>content<|python_end|> followed by one
// {"name": …, "parameters": …} object per call; a tool message is written
// under the ipython header as JSON (so a string result appears quoted).
func Render(msgs []Message, opts Options) (string, error) {
	p, err := render(msgs, opts)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

// render builds the segments of the prompt.
func render(msgs []Message, opts Options) (prompt, error) {
	var p prompt
	p.special(bosToken)
	tools := make([]string, len(opts.Tools))
	for i, t := range opts.Tools {
		s, err := pyJSON(t, 4)
		if err != nil {
			return nil, fmt.Errorf("chat: tool %d: %w", i, err)
		}
		tools[i] = s
	}
	hasTools := opts.Tools != nil
	if len(msgs) > 0 && msgs[0].Role == RoleSystem {
		p.header(RoleSystem)
		if hasTools {
			p.text(environmentLine)
		}
		if hasTools && opts.ToolsInSystem {
			p.text(systemToolsIntro)
			for _, t := range tools {
				p.text(t + "\n\n")
			}
		}
		p.text(pyStrip(systemText(&msgs[0])))
		p.special(eotToken)
		msgs = msgs[1:]
	}
	if hasTools && !opts.ToolsInSystem {
		if len(msgs) == 0 {
			return nil, ErrNoUserMessage
		}
		p.header(RoleUser)
		p.text(userToolsIntro)
		for _, t := range tools {
			p.text(t + "\n\n")
		}
		// The template trims the text of the first message, whatever its role.
		first := prompt{}
		first.content(&msgs[0])
		p = append(p, trimSegments(first)...)
		p.special(eotToken)
		msgs = msgs[1:]
	}
	for i := range msgs {
		if err := p.message(&msgs[i]); err != nil {
			return nil, err
		}
	}
	if opts.AddGenerationPrompt {
		p.header(RoleAssistant)
	}
	return p, nil
}

// message writes one turn after the system and tool preamble.
func (p *prompt) message(m *Message) error {
	switch {
	case len(m.ToolCalls) > 0:
		p.header(RoleAssistant)
		p.special(pythonStartToken)
		p.content(m)
		p.special(pythonEndToken)
		for _, c := range m.ToolCalls {
			args, err := pyJSON(c.Arguments, 0)
			if err != nil {
				return fmt.Errorf("chat: arguments of tool call %q: %w", c.Name, err)
			}
			p.text(`{"name": "` + c.Name + `", "parameters": ` + args + "}")
		}
	case m.Role == RoleTool || m.Role == RoleIPython:
		p.header(RoleIPython)
		p.text(pyString(m.text()))
	default:
		p.header(m.Role)
		p.content(m)
	}
	p.special(eotToken)
	return nil
}

// systemText is the text of a system message; images are dropped.
func systemText(m *Message) string {
	if m.Parts == nil {
		return m.Content
	}
	var sb strings.Builder
	for _, part := range m.Parts {
		if !part.Image {
			sb.WriteString(part.Text)
		}
	}
	return sb.String()
}

// pyString is a Go string as tojson writes it.
func pyString(s string) string {
	var sb strings.Builder
	writePyString(&sb, s)
	return sb.String()
}

// pyStrip is Python's str.strip(): it removes leading and trailing characters
// for which str.isspace is true.
func pyStrip(s string) string {
	return strings.TrimFunc(s, pySpace)
}

// pySpace is Python's str.isspace for one rune.
func pySpace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x1c && r <= ' ', r == 0x85, r == 0xa0, r == 0x1680,
		r >= 0x2000 && r <= 0x200a, r == 0x2028, r == 0x2029, r == 0x202f, r == 0x205f, r == 0x3000:
		return true
	}
	return false
}

// trimSegments strips Python whitespace from the start and end of the text
// of p, leaving special tokens in place.
func trimSegments(p prompt) prompt {
	for len(p) > 0 && !p[0].special {
		p[0].text = strings.TrimLeftFunc(p[0].text, pySpace)
		if p[0].text != "" {
			break
		}
		p = p[1:]
	}
	for len(p) > 0 && !p[len(p)-1].special {
		last := &p[len(p)-1]
		last.text = strings.TrimRightFunc(last.text, pySpace)
		if last.text != "" {
			break
		}
		p = p[:len(p)-1]
	}
	return p
}
