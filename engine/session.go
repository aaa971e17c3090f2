package engine

import (
	"errors"
	"fmt"

	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/sample"
)

// Session is one sequence's generation: a KV cache it owns, the request it
// runs, its sampler and history. It is the one generation loop of herd:
// prefill in chunks, sample (penalties, constraint, log-probabilities), stop
// ids and length limits. A caller drives it directly, on its own goroutine
// (herd run, herd chat, herd bench: no scheduler hop per token), or an
// Engine steps one Session per cache slot in batched forward passes.
//
// A Session is reusable: each Start begins a new request on the same cache,
// reusing the longest cached prefix the request allows (a conversation only
// prefills its new turns). It is not safe for concurrent use.
type Session struct {
	m     Model
	cache *kvcache.Cache
	chunk int // prompt rows per forward pass when driven directly

	req      *Request
	smp      *sample.Sampler
	embeds   []float32 // the request's or its images' fused rows
	useEmbed []bool
	hist     []int32   // prompt + generated
	next     int       // prompt rows run so far (or reused from the cache)
	logits   []float32 // the last row's logits, not yet sampled from; nil otherwise
	masked   []float32 // scratch for a constrained token: the logits copied, then masked
	gen      int
	cached   int
	finish   string
}

// NewSession makes a session over cache (which it owns from now on),
// prefilling at most prefillChunk prompt tokens per forward pass.
func NewSession(m Model, cache *kvcache.Cache, prefillChunk int) *Session {
	if prefillChunk <= 0 {
		panic(fmt.Sprintf("engine: prefill chunk %d must be positive", prefillChunk))
	}
	return &Session{m: m, cache: cache, chunk: prefillChunk}
}

// Cache is the session's KV cache.
func (s *Session) Cache() *kvcache.Cache { return s.cache }

// Start validates r and begins it. Unlike Engine.Submit it takes a prompt
// that fills the whole context (one token can still be sampled after it)
// and MaxTokens 0 (for Prefill alone). The cached prefix that r shares is kept
// (up to the first embedding row, or r.ReuseLimit, and never the last prompt
// token, whose logits are needed); the rest of the prompt is run by Prefill
// or the first Next. Images are encoded here.
func (s *Session) Start(r *Request) error {
	if err := r.validate(s.m.VocabSize(), s.cache.MaxLen(), 0); err != nil {
		return err
	}
	if r.Images != nil {
		if _, ok := s.m.(ImageModel); !ok {
			return fmt.Errorf("%w: the model does not take images", ErrInvalidRequest)
		}
	}
	return s.start(r)
}

// start is Start for a request already validated (by Engine.Submit).
func (s *Session) start(r *Request) error {
	*s = Session{m: s.m, cache: s.cache, chunk: s.chunk, req: r, smp: sample.New(r.Sampling),
		embeds: r.Embeds, useEmbed: r.UseEmbed}
	if r.Images != nil {
		p, err := r.Images.encode(s.m.(ImageModel))
		if err != nil {
			return err
		}
		if len(p.IDs) != len(r.Prompt) {
			return fmt.Errorf("%w: the images expand the prompt to %d tokens, but it has %d", ErrInvalidRequest, len(p.IDs), len(r.Prompt))
		}
		s.embeds, s.useEmbed = p.Embeds, p.UseEmbed
	}
	limit := r.ReuseLimit
	if limit <= 0 {
		limit = s.firstEmbed()
	}
	s.next = s.cache.Rewind(min(s.cache.CommonPrefix(r.Prompt), len(r.Prompt)-1, limit))
	s.cached = s.next
	s.hist = append(make([]int32, 0, len(r.Prompt)+min(r.MaxTokens, 4096)), r.Prompt...)
	return nil
}

// firstEmbed is the index of the first row that takes an injected
// embedding, or len(Prompt) when none does.
func (s *Session) firstEmbed() int {
	for i, u := range s.useEmbed {
		if u {
			return i
		}
	}
	return len(s.req.Prompt)
}

// Prefill runs the rest of the prompt in chunks, leaving the logits of its
// last token for Next. Calling it is optional (Next prefills too); it lets
// a caller time prompt processing apart from generation.
func (s *Session) Prefill() error {
	if s.req == nil {
		return errors.New("engine: Prefill before Start")
	}
	for s.logits == nil && s.prefilling() {
		if err := s.forward(); err != nil {
			return err
		}
	}
	return nil
}

// Next samples the next token, running the model first as needed (the rest
// of the prompt, or the previous token). After the last token Finish is
// non-empty and Next fails.
func (s *Session) Next() (Event, error) {
	if s.req == nil {
		return Event{}, errors.New("engine: Next before Start")
	}
	if s.finish != "" {
		return Event{}, fmt.Errorf("engine: Next after the session finished (%s)", s.finish)
	}
	for s.logits == nil {
		if err := s.forward(); err != nil {
			return Event{}, err
		}
	}
	return s.sample(), nil
}

// forward runs the session's next input alone.
func (s *Session) forward() error {
	sq, _ := s.input(s.chunk)
	out, err := s.m.ForwardBatch([]llama4.Seq{sq}, nil)
	if err != nil {
		return err
	}
	s.consume(len(sq.IDs), out[0])
	return nil
}

// Finish is why generation ended: "stop" (a stop id was sampled), "length"
// (MaxTokens, or the context is full), or "" while it goes on.
func (s *Session) Finish() string { return s.finish }

// Generated is the tokens sampled so far (the session's buffer: valid until
// the next Start).
func (s *Session) Generated() []int32 { return s.hist[len(s.hist)-s.gen:] }

// Usage counts the current request's tokens (TimeToFirstToken is left to
// the caller).
func (s *Session) Usage() Usage {
	u := Usage{CompletionTokens: s.gen, CachedTokens: s.cached}
	if s.req != nil {
		u.PromptTokens = len(s.req.Prompt)
	}
	return u
}

// prefilling reports whether prompt rows remain to run.
func (s *Session) prefilling() bool { return s.next < len(s.req.Prompt) }

// input is the session's share of the next forward pass: up to budget
// prompt rows while prefilling (ok false when budget is spent), else its
// last token. The logits of the pass go to consume.
func (s *Session) input(budget int) (sq llama4.Seq, ok bool) {
	if !s.prefilling() {
		return llama4.Seq{Cache: s.cache, IDs: s.hist[len(s.hist)-1:]}, true
	}
	n := min(budget, len(s.req.Prompt)-s.next)
	if n <= 0 {
		return llama4.Seq{}, false
	}
	i, j := s.next, s.next+n
	sq = llama4.Seq{Cache: s.cache, IDs: s.req.Prompt[i:j]}
	if s.useEmbed != nil {
		D := len(s.embeds) / len(s.req.Prompt)
		sq.Embeds, sq.UseEmbed = s.embeds[i*D:j*D], s.useEmbed[i:j]
	}
	return sq, true
}

// consume takes the logits of a forward pass over n rows of input: it
// reports whether a token may now be sampled (the prompt is done).
func (s *Session) consume(n int, logits []float32) bool {
	if s.prefilling() {
		s.next += n
		if s.prefilling() {
			return false // more prompt to prefill; no token yet
		}
	}
	s.logits = logits
	return true
}

// sample picks the next token from the pending logits and records it.
func (s *Session) sample() Event {
	r := s.req
	logits := s.logits
	s.logits = nil
	x := s.smp.Adjust(logits, s.hist, len(r.Prompt))
	if masks(r.Constraint) {
		if &x[0] == &logits[0] { // never mask the model's own logits: mask a copy, in a buffer kept across tokens
			s.masked = append(s.masked[:0], x...)
			x = s.masked
		}
		r.Constraint.Mask(x)
	}
	id := s.smp.Pick(x)
	if r.Constraint != nil {
		r.Constraint.Accept(id)
	}
	ev := Event{Token: id}
	if r.TopLogprobs >= 0 {
		ev.Logprob, ev.TopLogprobs = logprobs(x, id, r.TopLogprobs)
	}
	s.hist = append(s.hist, id)
	s.gen++
	for _, st := range r.StopIDs {
		if id == st {
			s.finish = "stop"
		}
	}
	// The last token need not run, so the context is full only when it
	// could not: its position would be len(hist)-1.
	if s.finish == "" && (s.gen >= r.MaxTokens || len(s.hist) > s.cache.MaxLen()) {
		s.finish = "length"
	}
	return ev
}

// release ends the request for the engine: a cache left half-prefilled (or
// after an error) is emptied, and image rows are cut off, so that only
// reusable text stays for the next request's prefix.
func (s *Session) release(failed bool) {
	if s.req == nil {
		return
	}
	switch {
	case failed || s.prefilling():
		s.cache.Reset()
	case s.useEmbed != nil:
		s.cache.Rewind(s.firstEmbed())
	}
	s.req = nil
}
