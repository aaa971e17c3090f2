// Package anthropic is the Anthropic Messages API (POST /v1/messages and
// /v1/messages/count_tokens) as Claude Code and the Anthropic SDKs speak it:
// a request is translated into the OpenAI chat request (msgRequest.toChat,
// msgMessages) and runs through the server's shared request path
// (core.Core.RenderChat, ChatParams, then RunChoices or RunChoice) with the
// same limits, metrics and API key; answers, stream events and errors are
// sent in Anthropic's shapes.
package anthropic

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/server/internal/core"
)

// api serves the Messages API on the shared request path.
type api struct{ *core.Core }

// Messages is POST /v1/messages on c.
func Messages(c *core.Core) core.Handler { return core.Decoded(c, api{c}.messages) }

// CountTokens is POST /v1/messages/count_tokens on c.
func CountTokens(c *core.Core) core.Handler { return core.Decoded(c, api{c}.countTokens) }

// msgResponse is a whole assistant message, and the head of a stream's
// message_start event.
type msgResponse struct {
	ID           string   `json:"id"`
	Type         string   `json:"type"` // "message"
	Role         string   `json:"role"` // "assistant"
	Model        string   `json:"model"`
	Content      []any    `json:"content"` // textBlock and toolUseBlock
	StopReason   *string  `json:"stop_reason"`
	StopSequence *string  `json:"stop_sequence"`
	Usage        msgUsage `json:"usage"`
}

// msgUsage counts tokens: input_tokens are the prompt tokens prefilled for
// this request, cache_read_input_tokens those reused from the KV cache.
type msgUsage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
}

func msgUsageOf(u core.Usage) msgUsage {
	cached := u.PromptTokensDetails.CachedTokens
	return msgUsage{InputTokens: u.PromptTokens - cached, OutputTokens: u.CompletionTokens, CacheReadInputTokens: cached}
}

// textBlock is a text content block, and a stream's text delta.
type textBlock struct {
	Type string `json:"type"` // "text", "text_delta"
	Text string `json:"text"`
}

type toolUseBlock struct {
	Type  string          `json:"type"` // "tool_use"
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

// msgJob is a Messages request ready to run: its generation job, the
// extractor of its tool calls (nil: tools are off), and the answer's head.
type msgJob struct {
	gp   core.GenParams
	x    *chat.Extractor // the request's tools; nil: none
	head msgResponse
}

// prepareMessages translates a Messages request and renders it (without
// requiring max_tokens when forCount: count_tokens). max_tokens larger
// than the room the context leaves after the prompt is lowered to that
// room: agents send the large defaults of hosted models (tens of thousands
// of tokens), and the answer then ends with stop_reason "max_tokens" when
// the context is full.
func (s api) prepareMessages(ctx context.Context, req *msgRequest, forCount bool) (core.ChatPrompt, *core.ChatRequest, *core.APIError) {
	if !forCount && req.MaxTokens == nil {
		return core.ChatPrompt{}, nil, core.BadRequest("max_tokens", "max_tokens is required")
	}
	cr, e := req.toChat()
	if e != nil {
		return core.ChatPrompt{}, nil, e
	}
	msgs, images, e := msgMessages(req)
	if e != nil {
		return core.ChatPrompt{}, nil, e
	}
	p, e := s.RenderChat(ctx, cr, msgs, images)
	if e != nil {
		return core.ChatPrompt{}, nil, e
	}
	if room := s.Ctx() - len(p.IDs); cr.MaxTokens != nil && *cr.MaxTokens > room && room > 0 {
		cr.MaxTokens = &room
	}
	return p, cr, nil
}

// messages is POST /v1/messages.
func (s api) messages(w http.ResponseWriter, r *http.Request, req *msgRequest) *core.APIError {
	if s.Guarded() {
		return errGuardedMessages // the guard reads chat and text completions only
	}
	p, cr, e := s.prepareMessages(r.Context(), req, false)
	if e != nil {
		return e
	}
	gp, _, e := s.ChatParams(cr, p)
	if e != nil {
		return e
	}
	id := fmt.Sprintf("msg_%016x%08x", rand.Uint64(), rand.Uint32())
	job := msgJob{gp: gp, head: msgResponse{ID: id, Type: "message", Role: "assistant", Model: s.ModelName(), Content: []any{}}}
	if p.UseTools {
		job.x = core.ToolExtractor(cr) // only the declared tools' calls count
	}
	if req.Stream {
		return s.streamMessage(w, r, job)
	}
	res, total, e := s.RunChoices(r.Context(), 1, gp)
	if e != nil {
		return e
	}
	c := res[0]
	text, calls := finalContent(c.Text, c.Cut, job.x)
	resp := job.head
	if text != "" {
		resp.Content = append(resp.Content, textBlock{Type: "text", Text: text})
	}
	for k, call := range calls {
		resp.Content = append(resp.Content, job.toolUse(k, call))
	}
	resp.StopReason, resp.StopSequence = stopReason(c.Finish, c.Cut, c.Stop, len(calls))
	resp.Usage = msgUsageOf(total)
	return core.JSONOK(w, resp)
}

// errGuardedMessages refuses the Messages API on a server with a guard,
// which screens the chat and text completion shapes only: a request here
// would go unscreened. count_tokens generates nothing and stays open.
var errGuardedMessages = &core.APIError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: core.Strp("unsupported_with_guard"),
	Message: "the Messages API is off on a server that screens requests with a guard (herd serve --guard, --prompt-guard): use POST /v1/chat/completions, which is screened"}

// countTokens is POST /v1/messages/count_tokens: the prompt length the
// request would have, tools and images included.
func (s api) countTokens(w http.ResponseWriter, r *http.Request, req *msgRequest) *core.APIError {
	p, _, e := s.prepareMessages(r.Context(), req, true)
	if e != nil {
		return e
	}
	return core.JSONOK(w, map[string]int{"input_tokens": len(p.IDs)})
}

// finalContent splits a finished answer into text and tool calls. Output
// the token limit cut before its grammar accepted it (a forced call) is
// neither: stop_reason "max_tokens" says why.
func finalContent(text string, cut bool, x *chat.Extractor) (string, []chat.ToolCall) {
	switch {
	case cut:
		return "", nil
	case x != nil:
		return extractWhole(x, text)
	}
	return text, nil
}

// toolUse is the k-th tool call of the answer as a tool_use block.
func (j *msgJob) toolUse(k int, c chat.ToolCall) toolUseBlock {
	args := c.Arguments
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	return toolUseBlock{Type: "tool_use", ID: fmt.Sprintf("toolu_%s_%d", j.head.ID[len("msg_"):], k), Name: c.Name, Input: args}
}

// stopReason maps how a choice ended to the Messages API's stop_reason
// (and stop_sequence, when a stop sequence ended it).
func stopReason(finish string, cut bool, stop string, calls int) (*string, *string) {
	switch {
	case cut:
		return core.Strp("max_tokens"), nil
	case calls > 0:
		return core.Strp("tool_use"), nil
	case finish == "length":
		return core.Strp("max_tokens"), nil
	case stop != "":
		return core.Strp("stop_sequence"), core.Strp(stop)
	}
	return core.Strp("end_turn"), nil
}
