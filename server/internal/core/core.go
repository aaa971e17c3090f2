// Package core is the request path every API of herd's server shares: API
// errors, request bodies decoded within the limits, the OpenAI chat and text
// completion shapes and endpoints (which the Anthropic Messages and OpenAI
// Responses packages translate their requests into), prompt rendering and
// tokenizing in bounded worker turns, images, tool calls and constrained
// decoding, sampling parameters, submitting a request's choices to the
// engine and following their output to the end or over SSE.
package core

import (
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

// Meter counts what the request path does, for the server's metrics.
type Meter interface {
	Finished(u engine.Usage, finish string) // a choice ended (its usage, as the engine reports it, and its finish reason)
	Image()                                 // an image was decoded and preprocessed
}

// Options configure a Core: the served model's name, the largest n, the
// vision tower (nil: no images), the image pixel bound, the lazy tool-call
// constraint switch, the number of worker turns, and whether a guard
// screens the chat and text completion shapes (the APIs it cannot read
// then refuse requests).
type Options struct {
	ModelName      string
	MaxN           int
	Vision         *llama4.Vision
	MaxImagePixels int
	NoLazyTools    bool
	Workers        int
	Guarded        bool
}

// Core runs requests of every API on one model: its configuration,
// tokenizer and engine.
type Core struct {
	o       Options
	cfg     *llama4.Config
	tok     *tokenizer.Tokenizer
	eng     engine.Submitter
	met     Meter
	stopIDs []int32
	span    int           // most bytes of prompt text one token can cover (see tokenSpan)
	work    chan struct{} // a token per Workers: decoding, prompt encoding and image decoding
}

// New makes the request path of a model (its configuration), its tokenizer
// and a running engine; o.Workers must be positive.
func New(cfg *llama4.Config, tok *tokenizer.Tokenizer, eng engine.Submitter, met Meter, o Options) *Core {
	return &Core{o: o, cfg: cfg, tok: tok, eng: eng, met: met, stopIDs: engine.StopIDs(cfg.EOS, tok.StopTokens()),
		span: tokenSpan(tok), work: make(chan struct{}, o.Workers)}
}

// ModelName is the served model's name.
func (s *Core) ModelName() string { return s.o.ModelName }

// Ctx is the engine's context length per sequence, in tokens.
func (s *Core) Ctx() int { return s.eng.Ctx() }

// Guarded reports whether a guard screens requests (Options.Guarded).
func (s *Core) Guarded() bool { return s.o.Guarded }

// Span is the most bytes of prompt text one token can cover.
func (s *Core) Span() int { return s.span }
