package core

import (
	"context"
	"fmt"
	"net/http"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/tokenizer"
)

// tokenSpan is the most bytes of text one token of tok can stand for: its
// longest ranked token or special token name. A text of b bytes therefore
// encodes to at least b/span tokens, however it is split.
func tokenSpan(tok *tokenizer.Tokenizer) int {
	span := 1
	for id := 0; id < tok.VocabSize(); id++ {
		if b, ok := tok.TokenBytes(int32(id)); ok {
			span = max(span, len(b))
		}
	}
	return span
}

// CheckTextFits refuses, before any tokenizing, prompt text of n bytes that
// cannot fit the context: it encodes to at least n/span tokens (see
// tokenSpan). Text that passes is at most Ctx·span bytes, which bounds the
// tokenizer's time and memory.
func (s *Core) CheckTextFits(param string, n int) *APIError {
	ctx := s.eng.Ctx()
	if least := (n + s.span - 1) / s.span; least > ctx {
		return &APIError{Status: http.StatusBadRequest, Type: "invalid_request_error", Param: Strp(param), Code: Strp("context_length_exceeded"),
			Message: fmt.Sprintf("the prompt is %d bytes, at least %d tokens, but the context is %d tokens: shorten the prompt or start the server with a larger --ctx", n, least, ctx)}
	}
	return nil
}

// encodeText tokenizes plain prompt text (a BOS first) within the limits:
// text that cannot fit the context is refused before tokenizing, and the
// tokenizer runs in a worker turn.
func (s *Core) encodeText(ctx context.Context, param, text string) ([]int32, *APIError) {
	if e := s.CheckTextFits(param, len(text)); e != nil {
		return nil, e
	}
	if e := s.acquire(ctx); e != nil {
		return nil, e
	}
	defer s.release()
	ids := s.tok.Encode(text, true)
	if len(ids) == 0 || ids[0] != s.tok.BOS() {
		ids = append([]int32{s.tok.BOS()}, ids...)
	}
	return ids, nil
}

// encodePrompt is the one place a chat-shaped request becomes prompt
// tokens, for every endpoint: it renders msgs with opts, refuses a prompt
// whose text cannot fit the context before tokenizing (CheckTextFits),
// tokenizes in a worker turn (Options.Workers), and, with images, checks
// their headers against Options.MaxImagePixels, decodes and preprocesses
// them in worker turns, stopping as soon as ctx ends (the client left), and
// expands the prompt's <|image|> placeholders. images are in prompt order.
// Errors are API errors ready to send (400, 413, or the client-closed status).
func (s *Core) encodePrompt(ctx context.Context, msgs []chat.Message, opts chat.Options, images []ImagePart) ([]int32, *engine.Images, *APIError) {
	if len(images) > 0 {
		// Cheap refusals (no vision tower, too many or too large images)
		// come before the tokenizer's work.
		if e := s.checkImages(images); e != nil {
			return nil, nil, e
		}
	}
	if e := s.acquire(ctx); e != nil {
		return nil, nil, e
	}
	prompt, e := s.encodeChat(msgs, opts)
	s.release()
	if e != nil {
		return nil, nil, e
	}
	if len(images) == 0 {
		return prompt, nil, nil
	}
	return s.prepareImages(ctx, prompt, images)
}

// encodeChat renders and tokenizes a chat prompt, refusing text that cannot
// fit the context before tokenizing it. The caller holds a worker turn.
func (s *Core) encodeChat(msgs []chat.Message, opts chat.Options) ([]int32, *APIError) {
	text, err := chat.Render(msgs, opts)
	if err != nil {
		return nil, BadRequest("messages", err.Error())
	}
	if e := s.CheckTextFits("messages", len(text)); e != nil {
		return nil, e
	}
	prompt, err := chat.Encode(s.tok, msgs, opts)
	if err != nil {
		return nil, BadRequest("messages", err.Error())
	}
	return prompt, nil
}
