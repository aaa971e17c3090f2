package core

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/grammar"
)

// ChatJob is a validated chat request ready to run: the generation, the
// number of choices, the tool-call extractor (nil: no tools) and whether
// the answer is constrained to be a call. The chat and Responses endpoints
// share it.
type ChatJob struct {
	GP     GenParams
	N      int
	X      *chat.Extractor
	Forced bool
}

// ChatCompletions is POST /v1/chat/completions.
func (s *Core) ChatCompletions(w http.ResponseWriter, r *http.Request, req *ChatRequest) *APIError {
	job, e := s.PrepareChat(r.Context(), req)
	if e != nil {
		return e
	}
	gp, n, x, forced := job.GP, job.N, job.X, job.Forced
	base := chatResponse{answer: s.newAnswer("chatcmpl", "chat.completion")}
	id := base.ID
	if req.Stream {
		return s.streamChat(w, r, req, gp, n, x, forced, base)
	}
	res, total, e := s.RunChoices(r.Context(), n, gp)
	if e != nil {
		return e
	}
	base.Choices, base.Usage = make([]chatChoice, n), &total
	for i, c := range res {
		msg := &replyMsg{Role: "assistant"}
		content, finish := c.Text, c.Finish
		switch {
		case c.Cut:
			content, finish = "", "length" // a half-written call or JSON value is no answer
		case x != nil:
			// A call cut off by the token limit is closed where it stopped
			// and sent with finish_reason "length", as streamed.
			sp := NewReplySplit(x, forced)
			sp.Push(content)
			sp.Finish(false)
			split := sp.Result()
			content, finish = split.Content, sp.FinishReason(finish, false)
			if len(split.Calls) > 0 {
				msg.ToolCalls = apiToolCalls(split.Calls, id, i)
			}
		}
		if content != "" || len(msg.ToolCalls) == 0 && !c.Cut {
			msg.Content = &content
		}
		base.Choices[i] = chatChoice{Index: i, Message: msg, FinishReason: &finish}
		if gp.logprobs {
			base.Choices[i].Logprobs = &choiceLogprobs{Content: s.logprobEntries(c.Toks)}
		}
	}
	return JSONOK(w, base)
}

// PrepareChat validates a chat request and turns it into a job: the prompt
// (RenderChat), the sampling, limits and constraint (ChatParams), the
// extractor of the request's tool calls and, under tool_choice "auto", the
// lazy constraint of the calls the model starts (lazyCall).
func (s *Core) PrepareChat(ctx context.Context, req *ChatRequest) (ChatJob, *APIError) {
	msgs, images, e := convertMessages(req.Messages)
	if e != nil {
		return ChatJob{}, e
	}
	p, e := s.RenderChat(ctx, req, msgs, images)
	if e != nil {
		return ChatJob{}, e
	}
	gp, n, e := s.ChatParams(req, p)
	if e != nil {
		return ChatJob{}, e
	}
	job := ChatJob{GP: gp, N: n, Forced: p.forced != nil}
	if p.UseTools {
		job.X = ToolExtractor(req)
	}
	if p.UseTools && p.forced == nil && !s.o.NoLazyTools {
		if g := lazyCallGrammar(req.Tools); g != nil { // a call the model starts is constrained
			tok, x, stops, keep := s.tok, job.X, s.stopIDs, gp.keepSpecial
			job.GP.Constraint = func() engine.Constraint { return newLazyCall(tok, g, x, stops, keep) }
		}
	}
	return job, nil
}

// ChatPrompt is a chat request rendered for the model: the prompt ids (each
// <|image|> expanded into its tiles' tokens), the images, whether tool calls
// are on, and the grammar of a forced call (nil: none).
type ChatPrompt struct {
	IDs      []int32
	images   *engine.Images
	UseTools bool
	forced   *grammar.Grammar
}

// RenderChat validates the tools and tool_choice of req and renders msgs
// (already converted from the request's API shape) with them. It is the
// first half of the one path that /v1/chat/completions and /v1/messages
// share; ChatParams is the second.
func (s *Core) RenderChat(ctx context.Context, req *ChatRequest, msgs []chat.Message, images []ImagePart) (ChatPrompt, *APIError) {
	var p ChatPrompt
	useTools, forced, e := s.toolChoice(req)
	if e != nil {
		return p, e
	}
	p.UseTools, p.forced = useTools, forced
	opts := chat.Options{AddGenerationPrompt: true}
	if useTools {
		for _, t := range req.Tools {
			opts.Tools = append(opts.Tools, MustJSON(t))
		}
	}
	// Bounded work: size checks before tokenizing, images in pool turns;
	// each <|image|> expanded into its tiles' tokens.
	if p.IDs, p.images, e = s.encodePrompt(ctx, msgs, opts, images); e != nil {
		return p, e
	}
	return p, nil
}

// ChatParams turns a rendered chat request into its generation job and
// number of choices: token limit, sampling, logprobs, response format, and
// the constraint of a forced tool call.
func (s *Core) ChatParams(req *ChatRequest, p ChatPrompt) (GenParams, int, *APIError) {
	maxTok := req.MaxTokens
	if req.MaxCompletionTokens != nil {
		maxTok = req.MaxCompletionTokens
	}
	gp, n, e := s.resolve(&req.sampling, maxTok, len(p.IDs))
	if e != nil {
		return gp, 0, e
	}
	gp.Prompt, gp.images = p.IDs, p.images
	if req.TopLogprobs != nil {
		if !req.Logprobs {
			return gp, 0, BadRequest("top_logprobs", "top_logprobs needs logprobs: true")
		}
		if *req.TopLogprobs < 0 || *req.TopLogprobs > 20 {
			return gp, 0, BadRequest("top_logprobs", "top_logprobs must be between 0 and 20")
		}
		gp.topLogprobs = *req.TopLogprobs
	}
	gp.logprobs = req.Logprobs
	if e := s.applyResponseFormat(req, &gp); e != nil {
		return gp, 0, e
	}
	if forced := p.forced; forced != nil {
		stops := s.stopIDs
		gp.Constraint = func() engine.Constraint { return grammar.NewConstraint(s.tok, forced, stops) }
	}
	if p.UseTools {
		gp.keepSpecial = map[int32]bool{}
		for _, name := range []string{"<|python_start|>", "<|python_end|>"} {
			if id, ok := s.tok.TokenID(name); ok {
				gp.keepSpecial[id] = true
			}
		}
	}
	return gp, n, nil
}

// streamChat answers with SSE chunks: a role delta, content deltas, tool-call
// deltas (each call's id and name, then pieces of its arguments) as the
// extractor x recognises calls, the finish reason, optional usage. Text that
// may start a call is held until it cannot, so no call text is ever sent as
// content. Constrained output streams as it comes; cut by the token limit it
// ends with finish_reason "length".
func (s *Core) streamChat(w http.ResponseWriter, r *http.Request, req *ChatRequest, gp GenParams, n int, x *chat.Extractor, forced bool, base chatResponse) *APIError {
	base.Object = "chat.completion.chunk"
	streamAnswer(s, w, r, base.answer, n, gp, req.includeUsage(), func(i int, chunk func(chatChoice)) func(ChoiceEvent) {
		chunk(chatChoice{Index: i, Delta: &assistantMsg{Role: "assistant", Content: Strp("")}})
		sp := NewReplySplit(x, forced)
		return func(ev ChoiceEvent) {
			events := sp.Push(ev.Text)
			if ev.Finish != "" {
				events = append(events, sp.Finish(ev.Cut)...)
			}
			var lp *choiceLogprobs
			if gp.logprobs && len(ev.Toks) > 0 {
				lp = &choiceLogprobs{Content: s.logprobEntries(ev.Toks)}
			}
			for _, d := range chatDeltas(events, base.ID, i) {
				chunk(chatChoice{Index: i, Delta: d, Logprobs: lp})
				lp = nil
			}
			if lp != nil {
				chunk(chatChoice{Index: i, Delta: &assistantMsg{Content: Strp("")}, Logprobs: lp})
			}
			if ev.Finish == "" {
				return
			}
			finish := sp.FinishReason(ev.Finish, ev.Cut)
			chunk(chatChoice{Index: i, Delta: &assistantMsg{}, FinishReason: &finish})
		}
	})
	return nil
}

func apiToolCalls(calls []chat.ToolCall, respID string, choice int) []ToolCall {
	out := make([]ToolCall, len(calls))
	for k, c := range calls {
		out[k].ID = callID(respID, choice, k)
		out[k].Type = "function"
		out[k].Function.Name = c.Name
		args := string(c.Arguments)
		if args == "" {
			args = "{}"
		}
		out[k].Function.Arguments = args
	}
	return out
}

// callID is the id of call k of a choice of answer respID.
func callID(respID string, choice, k int) string {
	_, rest, _ := strings.Cut(respID, "-")
	return fmt.Sprintf("call_%s_%d_%d", rest, choice, k)
}

func (s *Core) logprobEntries(toks []tokenOut) []logprobEntry {
	out := make([]logprobEntry, 0, len(toks))
	for _, t := range toks {
		e := logprobEntry{Token: t.text, Logprob: t.logprob, Bytes: rawBytes(s, t.id), TopLogprobs: []topLogprob{}}
		for _, a := range t.top {
			e.TopLogprobs = append(e.TopLogprobs, topLogprob{Token: tokenText(s.tok, a.Token), Logprob: a.Logprob, Bytes: rawBytes(s, a.Token)})
		}
		out = append(out, e)
	}
	return out
}

func rawBytes(s *Core, id int32) []int {
	b, _ := s.tok.TokenBytes(id)
	out := make([]int, len(b))
	for i := 0; i < len(b); i++ {
		out[i] = int(b[i])
	}
	return out
}

// convertMessages maps OpenAI messages to chat messages, rejecting unknown
// roles and content part types. It also returns the images of image_url
// parts (data URLs only), in prompt order.
func convertMessages(in []ChatMessage) ([]chat.Message, []ImagePart, *APIError) {
	if len(in) == 0 {
		return nil, nil, BadRequest("messages", "messages must hold at least one message")
	}
	var images []ImagePart
	out := make([]chat.Message, 0, len(in))
	for i, m := range in {
		param := fmt.Sprintf("messages[%d]", i)
		var cm chat.Message
		switch m.Role {
		case "system", "developer":
			cm.Role = chat.RoleSystem
		case "user":
			cm.Role = chat.RoleUser
		case "assistant":
			cm.Role = chat.RoleAssistant
		case "tool", "ipython":
			cm.Role = chat.RoleTool
		default:
			return nil, nil, BadRequest(param+".role", fmt.Sprintf("unknown role %q (want system, user, assistant or tool)", m.Role))
		}
		raw := bytes.TrimSpace(m.Content)
		switch {
		case len(raw) == 0 || string(raw) == "null":
			if m.Role != "assistant" {
				return nil, nil, BadRequest(param+".content", "content is required")
			}
		case raw[0] == '"':
			if err := json.Unmarshal(raw, &cm.Content); err != nil {
				return nil, nil, BadRequest(param+".content", err.Error())
			}
		case raw[0] == '[':
			var parts []ContentPart
			if err := json.Unmarshal(raw, &parts); err != nil {
				return nil, nil, BadRequest(param+".content", "content parts: "+err.Error())
			}
			for k, p := range parts {
				switch p.Type {
				case "text":
					cm.Parts = append(cm.Parts, chat.Part{Text: p.Text})
				case "image_url":
					pp := fmt.Sprintf("%s.content[%d]", param, k)
					if p.ImageURL == nil || p.ImageURL.URL == "" {
						return nil, nil, BadRequest(pp+".image_url.url", "an image_url part needs image_url.url")
					}
					data, err := ParseImageURL(p.ImageURL.URL)
					if err != nil {
						return nil, nil, BadRequest(pp, err.Error())
					}
					cm.Parts = append(cm.Parts, chat.Part{Image: true})
					images = append(images, ImagePart{Data: data, Param: pp})
				default:
					return nil, nil, BadRequest(fmt.Sprintf("%s.content[%d].type", param, k), fmt.Sprintf("unknown content part type %q (want text or image_url)", p.Type))
				}
			}
		default:
			return nil, nil, BadRequest(param+".content", "content must be a string or a list of content parts")
		}
		for _, tc := range m.ToolCalls {
			args := json.RawMessage(tc.Function.Arguments)
			if !json.Valid(args) {
				return nil, nil, BadRequest(param+".tool_calls", fmt.Sprintf("arguments of %q are not valid JSON", tc.Function.Name))
			}
			cm.ToolCalls = append(cm.ToolCalls, chat.ToolCall{Name: tc.Function.Name, Arguments: args})
		}
		out = append(out, cm)
	}
	return out, images, nil
}

// applyResponseFormat turns response_format into a decoding constraint: with
// json_object the answer is always one JSON object, with json_schema one
// JSON value that validates against the schema (package grammar).
func (s *Core) applyResponseFormat(req *ChatRequest, gp *GenParams) *APIError {
	rf := req.ResponseFormat
	if rf == nil || rf.Type == "" || rf.Type == "text" {
		return nil
	}
	var g *grammar.Grammar
	switch rf.Type {
	case "json_object":
		g = grammar.JSONObject()
	case "json_schema":
		if rf.JSONSchema == nil || len(bytes.TrimSpace(rf.JSONSchema.Schema)) == 0 {
			return BadRequest("response_format.json_schema.schema", "json_schema needs a schema")
		}
		var err error
		if g, err = grammar.CompileSchema(rf.JSONSchema.Schema); err != nil {
			return BadRequest("response_format.json_schema.schema", err.Error())
		}
	default:
		return BadRequest("response_format.type", fmt.Sprintf("unknown response_format type %q (want text, json_object or json_schema)", rf.Type))
	}
	if len(req.Tools) > 0 {
		return BadRequest("response_format", "response_format cannot be combined with tools")
	}
	stops := s.stopIDs
	gp.Constraint = func() engine.Constraint { return grammar.NewConstraint(s.tok, g, stops) }
	return nil
}
