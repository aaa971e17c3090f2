package anthropic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/server/internal/core"
)

// The Anthropic Messages API request shapes herd accepts. Unknown optional
// fields (metadata, thinking, cache_control, service_tier, …) are ignored.

// msgRequest is POST /v1/messages and POST /v1/messages/count_tokens.
type msgRequest struct {
	Model         string          `json:"model"`
	MaxTokens     *int            `json:"max_tokens"` // required by /v1/messages
	System        json.RawMessage `json:"system"`     // a string or a list of text blocks
	Messages      []msgTurn       `json:"messages"`
	Tools         []msgTool       `json:"tools"`
	ToolChoice    *msgToolChoice  `json:"tool_choice"`
	StopSequences []string        `json:"stop_sequences"`
	Temperature   *float64        `json:"temperature"`
	TopP          *float64        `json:"top_p"`
	TopK          *int            `json:"top_k"`
	Stream        bool            `json:"stream"`
	OutputConfig  *struct {
		Format *struct {
			Type   string          `json:"type"` // "json_schema"
			Schema json.RawMessage `json:"schema"`
		} `json:"format"`
	} `json:"output_config"` // structured output: the text answer follows the schema
}

// RequestedModel names the model a request asks for (see core.Decoded).
func (r *msgRequest) RequestedModel() string { return r.Model }

// msgTurn is one entry of messages: role user, assistant or system (agents
// such as Claude Code send system entries inside messages).
type msgTurn struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"` // a string or a list of blocks
}

// msgBlock is a content block: text, image, tool_use, tool_result, or
// thinking (ignored).
type msgBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	Source    *msgImageSource `json:"source"`      // image
	ID        string          `json:"id"`          // tool_use
	Name      string          `json:"name"`        // tool_use
	Input     json.RawMessage `json:"input"`       // tool_use: a JSON object
	ToolUseID string          `json:"tool_use_id"` // tool_result
	Content   json.RawMessage `json:"content"`     // tool_result: a string or a list of text blocks
}

// msgImageSource is where an image block's bytes are: base64 data, or a URL
// (data URLs only, as on the chat path).
type msgImageSource struct {
	Type      string `json:"type"`
	MediaType string `json:"media_type"`
	Data      string `json:"data"`
	URL       string `json:"url"`
}

// msgTool is a client tool: the model may call it with input that follows
// input_schema.
type msgTool struct {
	Type        string          `json:"type"` // "", "custom"; server tools are refused
	Name        string          `json:"name"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"input_schema"`
}

// msgToolChoice is auto, any (some tool must be called), tool (the named
// one must be) or none.
type msgToolChoice struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// toChat translates the request's tools, tool choice, limits and
// sampling into the chat completions request that the shared path runs;
// the messages are converted by msgMessages.
func (r *msgRequest) toChat() (*core.ChatRequest, *core.APIError) {
	cr := &core.ChatRequest{}
	cr.Model, cr.MaxTokens, cr.Stream = r.Model, r.MaxTokens, r.Stream
	cr.Temperature, cr.TopP, cr.TopK = r.Temperature, r.TopP, r.TopK
	cr.Stop = r.StopSequences
	for i, t := range r.Tools {
		param := fmt.Sprintf("tools.%d", i)
		if t.Type != "" && t.Type != "custom" {
			return nil, core.BadRequest(param+".type", fmt.Sprintf("tool type %q is not supported: herd runs client tools only ({\"name\", \"description\", \"input_schema\"})", t.Type))
		}
		if t.Name == "" {
			return nil, core.BadRequest(param+".name", "each tool needs a name")
		}
		var ct core.Tool
		ct.Type = "function"
		ct.Function.Name, ct.Function.Description, ct.Function.Parameters = t.Name, t.Description, t.InputSchema
		cr.Tools = append(cr.Tools, ct)
	}
	if oc := r.OutputConfig; oc != nil && oc.Format != nil {
		if oc.Format.Type != "json_schema" {
			return nil, core.BadRequest("output_config.format.type", fmt.Sprintf("unknown output format type %q (want json_schema)", oc.Format.Type))
		}
		cr.ResponseFormat = &core.ResponseFormat{Type: "json_schema"}
		cr.ResponseFormat.JSONSchema = &struct {
			Name   string          `json:"name"`
			Schema json.RawMessage `json:"schema"`
			Strict bool            `json:"strict"`
		}{Name: "output", Schema: oc.Format.Schema, Strict: true}
	}
	if tc := r.ToolChoice; tc != nil {
		switch tc.Type {
		case "auto", "none":
			cr.ToolChoice = core.MustJSON(tc.Type)
		case "any":
			cr.ToolChoice = core.MustJSON("required")
		case "tool":
			if tc.Name == "" {
				return nil, core.BadRequest("tool_choice.name", `tool_choice {"type": "tool"} needs the name of the tool`)
			}
			cr.ToolChoice = core.MustJSON(map[string]any{"type": "function", "function": map[string]string{"name": tc.Name}})
		default:
			return nil, core.BadRequest("tool_choice.type", fmt.Sprintf("unknown tool_choice type %q (want auto, any, tool or none)", tc.Type))
		}
	}
	return cr, nil
}

// msgMessages converts the system prompt and messages of a Messages
// request to chat messages, with the images of its image blocks in prompt
// order. A leading run of system text (the system field and system entries
// at the start of messages) becomes one system message; later system
// entries stay where they are. Unknown roles and block types, a tool_result
// whose tool_use_id no tool_use of the last assistant message has, and
// images that do not decode are 400s naming the block.
func msgMessages(r *msgRequest) ([]chat.Message, []core.ImagePart, *core.APIError) {
	if len(r.Messages) == 0 {
		return nil, nil, core.BadRequest("messages", "messages must hold at least one message")
	}
	var out []chat.Message
	system, e := systemText(r.System, "system")
	if e != nil {
		return nil, nil, e
	}
	if system != nil && *system != "" {
		out = append(out, chat.Message{Role: chat.RoleSystem, Content: *system})
	}
	var images []core.ImagePart
	var toolUses map[string]bool // ids of the last assistant message's tool_use blocks not yet answered
	for i, m := range r.Messages {
		param := fmt.Sprintf("messages.%d", i)
		switch m.Role {
		case "system":
			text, e := systemText(m.Content, param+".content")
			if e != nil {
				return nil, nil, e
			}
			if text == nil {
				return nil, nil, core.BadRequest(param+".content", "content is required")
			}
			if n := len(out); n > 0 && countLeadingSystem(out) == n {
				out[n-1].Content += "\n\n" + *text // still the leading system prompt
			} else {
				out = append(out, chat.Message{Role: chat.RoleSystem, Content: *text})
			}
		case "user", "assistant":
			blocks, e := msgBlocks(m.Content, param+".content")
			if e != nil {
				return nil, nil, e
			}
			conv := turnConverter{role: m.Role, param: param, toolUses: toolUses}
			if m.Role == "assistant" {
				conv.toolUses = map[string]bool{}
				toolUses = conv.toolUses
			}
			msgs, imgs, e := conv.convert(blocks)
			if e != nil {
				return nil, nil, e
			}
			out = append(out, msgs...)
			images = append(images, imgs...)
		default:
			return nil, nil, core.BadRequest(param+".role", fmt.Sprintf("unknown role %q (want user, assistant or system)", m.Role))
		}
	}
	return out, images, nil
}

// countLeadingSystem is how many messages at the start of msgs are system
// messages.
func countLeadingSystem(msgs []chat.Message) int {
	n := 0
	for n < len(msgs) && msgs[n].Role == chat.RoleSystem {
		n++
	}
	return n
}

// systemText reads system content (a string or a list of text blocks,
// joined with blank lines); nil when absent.
func systemText(raw json.RawMessage, param string) (*string, *core.APIError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	blocks, e := msgBlocks(raw, param)
	if e != nil {
		return nil, e
	}
	texts := make([]string, 0, len(blocks))
	for k, b := range blocks {
		if b.Type != "text" {
			return nil, core.BadRequest(fmt.Sprintf("%s.%d.type", param, k), fmt.Sprintf("system content must be text blocks, got %q", b.Type))
		}
		texts = append(texts, b.Text)
	}
	s := strings.Join(texts, "\n\n")
	return &s, nil
}

// msgBlocks reads content that is a string (one text block) or a list of
// blocks.
func msgBlocks(raw json.RawMessage, param string) ([]msgBlock, *core.APIError) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil, core.BadRequest(param, "content is required")
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, core.BadRequest(param, err.Error())
		}
		return []msgBlock{{Type: "text", Text: s}}, nil
	case raw[0] == '[':
		var blocks []msgBlock
		if err := json.Unmarshal(raw, &blocks); err != nil {
			return nil, core.BadRequest(param, "content blocks: "+err.Error())
		}
		return blocks, nil
	}
	return nil, core.BadRequest(param, "content must be a string or a list of content blocks")
}

// turnConverter converts the blocks of one user or assistant message.
type turnConverter struct {
	role     string
	param    string          // "messages.3"
	toolUses map[string]bool // user: the tool_use ids a tool_result may answer; assistant: filled
	out      []chat.Message
	cur      *chat.Message // the message being built, nil after a tool result
	images   []core.ImagePart
}

// convert turns the blocks into chat messages: a user message's tool_result
// blocks become tool messages, in order, around its other content; an
// assistant message's tool_use blocks become its tool calls.
func (c *turnConverter) convert(blocks []msgBlock) ([]chat.Message, []core.ImagePart, *core.APIError) {
	for k, b := range blocks {
		bp := fmt.Sprintf("%s.content.%d", c.param, k)
		switch {
		case b.Type == "text":
			c.addText(b.Text)
		case b.Type == "image" && c.role == "user":
			data, e := imageBytes(b.Source, bp)
			if e != nil {
				return nil, nil, e
			}
			c.message().Parts = append(c.message().Parts, chat.Part{Image: true})
			c.images = append(c.images, core.ImagePart{Data: data, Param: bp})
		case b.Type == "tool_result" && c.role == "user":
			if e := c.toolResult(b, bp); e != nil {
				return nil, nil, e
			}
		case b.Type == "tool_use" && c.role == "assistant":
			if e := c.toolUse(b, bp); e != nil {
				return nil, nil, e
			}
		case (b.Type == "thinking" || b.Type == "redacted_thinking") && c.role == "assistant":
			// Reasoning of an earlier turn (from another model): not part of
			// the conversation the template renders.
		case b.Type == "image" || b.Type == "tool_result" || b.Type == "tool_use" || b.Type == "thinking" || b.Type == "redacted_thinking":
			return nil, nil, core.BadRequest(bp+".type", fmt.Sprintf("%s blocks cannot appear in %s messages", b.Type, c.role))
		default:
			return nil, nil, core.BadRequest(bp+".type", fmt.Sprintf("unsupported content block type %q (want text, image, tool_use or tool_result)", b.Type))
		}
	}
	if c.role == "assistant" && len(c.out) == 0 {
		c.message() // an empty assistant turn still renders
	}
	return c.out, c.images, nil
}

// message is the chat message the next content goes into.
func (c *turnConverter) message() *chat.Message {
	if c.cur == nil {
		c.out = append(c.out, chat.Message{Role: c.role, Parts: []chat.Part{}})
		c.cur = &c.out[len(c.out)-1]
	}
	return c.cur
}

// addText appends a text block, a blank line after the previous one.
func (c *turnConverter) addText(text string) {
	m := c.message()
	if n := len(m.Parts); n > 0 && !m.Parts[n-1].Image {
		m.Parts[n-1].Text += "\n\n" + text
		return
	}
	m.Parts = append(m.Parts, chat.Part{Text: text})
}

func (c *turnConverter) toolUse(b msgBlock, param string) *core.APIError {
	if b.Name == "" {
		return core.BadRequest(param+".name", "a tool_use block needs the name of the tool")
	}
	args := bytes.TrimSpace(b.Input)
	if len(args) == 0 || string(args) == "null" {
		args = []byte("{}")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(args, &obj); err != nil {
		return core.BadRequest(param+".input", fmt.Sprintf("the input of tool_use %q must be a JSON object", b.Name))
	}
	m := c.message()
	m.ToolCalls = append(m.ToolCalls, chat.ToolCall{Name: b.Name, Arguments: json.RawMessage(args)})
	if b.ID != "" {
		c.toolUses[b.ID] = true
	}
	return nil
}

func (c *turnConverter) toolResult(b msgBlock, param string) *core.APIError {
	if !c.toolUses[b.ToolUseID] {
		return core.BadRequest(param+".tool_use_id", fmt.Sprintf("tool_result block's tool_use_id %q matches no unanswered tool_use block of the previous assistant message", b.ToolUseID))
	}
	delete(c.toolUses, b.ToolUseID)
	text := ""
	if raw := bytes.TrimSpace(b.Content); len(raw) > 0 && string(raw) != "null" {
		blocks, e := msgBlocks(raw, param+".content")
		if e != nil {
			return e
		}
		texts := make([]string, 0, len(blocks))
		for k, tb := range blocks {
			if tb.Type != "text" {
				return core.BadRequest(fmt.Sprintf("%s.content.%d.type", param, k), fmt.Sprintf("tool_result content must be text blocks here, got %q", tb.Type))
			}
			texts = append(texts, tb.Text)
		}
		text = strings.Join(texts, "\n\n")
	}
	c.out = append(c.out, chat.Message{Role: chat.RoleTool, Content: text})
	c.cur = nil
	return nil
}

// imageBytes decodes an image block's source: base64 data, or a URL as the
// chat path takes it (a data URL; herd fetches nothing).
func imageBytes(src *msgImageSource, param string) ([]byte, *core.APIError) {
	if src == nil {
		return nil, core.BadRequest(param+".source", "an image block needs a source")
	}
	var url string
	switch src.Type {
	case "base64":
		if !strings.HasPrefix(strings.ToLower(src.MediaType), "image/") {
			return nil, core.BadRequest(param+".source.media_type", fmt.Sprintf("media_type %q is not an image type (image/png, image/jpeg, …)", src.MediaType))
		}
		url = "data:" + src.MediaType + ";base64," + src.Data
	case "url":
		url = src.URL
	default:
		return nil, core.BadRequest(param+".source.type", fmt.Sprintf("unsupported image source type %q (want base64 or url)", src.Type))
	}
	data, err := core.ParseImageURL(url)
	if err != nil {
		return nil, core.BadRequest(param+".source", err.Error())
	}
	if len(data) == 0 {
		return nil, core.BadRequest(param+".source", "the image data is empty")
	}
	return data, nil
}
