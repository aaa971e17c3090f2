package engine

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/sample"
	"github.com/herd-llm/herd/vision"
)

// ErrInvalidRequest wraps every error about a request's own content (empty
// or out-of-vocabulary prompt, bad parameters): the caller's fault, not the
// engine's.
var ErrInvalidRequest = errors.New("engine: invalid request")

// Constraint restricts which tokens may follow (constrained decoding). Mask
// sets disallowed logits to -Inf; Accept advances its state with the chosen id.
type Constraint interface {
	Mask(logits []float32)
	Accept(id int32)
}

// Idler is an optional Constraint method: a constraint that is Idle for the
// next token would mask nothing (a lazy tool-call constraint before a call
// starts), so the session samples the logits as they are, without copying
// them for Mask.
type Idler interface {
	Idle() bool
}

// masks reports whether c constrains the next token.
func masks(c Constraint) bool {
	if c == nil {
		return false
	}
	i, ok := c.(Idler)
	return !ok || !i.Idle()
}

// Request is one generation job.
type Request struct {
	Prompt      []int32
	MaxTokens   int // > 0
	Sampling    sample.Params
	StopIDs     []int32    // generation ends after emitting one of these (finish "stop"); see StopIDs
	TopLogprobs int        // > 0: report this many alternatives per token; < 0: none; 0: only the chosen token's
	Constraint  Constraint // optional
	// Embeds and UseEmbed, when set, are a multimodal prompt's input
	// embeddings [len(Prompt), D] and row flags [len(Prompt)]: on rows where
	// UseEmbed is true the model takes the Embeds row instead of the token
	// embedding (llama4.Seq, early fusion). A cached prefix is reused only
	// before the first such row (or ReuseLimit), and the engine cuts the
	// slot's cache back to it when the request ends, so image rows are never
	// shared between requests.
	Embeds   []float32
	UseEmbed []bool
	// Images, when set, are encoded by the model (see ImageModel) when the
	// request starts, inside the scheduler; their fused rows become Embeds
	// and UseEmbed. Prompt must be Images' expansion. Excludes Embeds.
	Images *Images
	// ReuseLimit, when > 0, replaces the first embedding row as the end of
	// the cached prefix that may be reused: a caller that knows the cached
	// image rows hold the same features (a conversation) sets it to the
	// first new image's row.
	ReuseLimit int
}

// Images are a request's images, preprocessed but not yet encoded. Several
// requests (the choices of one API call) may share one *Images: the vision
// tower then runs once.
type Images struct {
	Prompt []int32          // the prompt with one <|image|> placeholder per image
	Pixels []*vision.Pixels // in prompt order

	once  sync.Once
	fused *llama4.ImagePrompt
	err   error
}

// encode runs enc once for all requests sharing im.
func (im *Images) encode(enc ImageModel) (*llama4.ImagePrompt, error) {
	im.once.Do(func() { im.fused, im.err = enc.EncodeImages(im.Prompt, im.Pixels) })
	return im.fused, im.err
}

// validate checks r against a model's vocabulary, the longest prompt the
// context takes and the fewest tokens to generate: the one place token ids
// are range-checked before the model runs.
func (r *Request) validate(vocab, maxPrompt, minTokens int) error {
	if len(r.Prompt) == 0 {
		return fmt.Errorf("%w: empty prompt", ErrInvalidRequest)
	}
	if len(r.Prompt) > maxPrompt {
		return fmt.Errorf("%w: prompt of %d tokens leaves no room in the context of %d tokens", ErrInvalidRequest, len(r.Prompt), maxPrompt+1)
	}
	if r.MaxTokens < minTokens {
		return fmt.Errorf("%w: max tokens %d must be at least %d", ErrInvalidRequest, r.MaxTokens, minTokens)
	}
	if err := r.Sampling.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	for i, id := range r.Prompt {
		if id < 0 || int(id) >= vocab {
			return fmt.Errorf("%w: token %d (at index %d) is outside the vocabulary [0, %d)", ErrInvalidRequest, id, i, vocab)
		}
	}
	if r.UseEmbed != nil && (len(r.UseEmbed) != len(r.Prompt) || len(r.Embeds) == 0 || len(r.Embeds)%len(r.Prompt) != 0) {
		return fmt.Errorf("%w: %d embedding flags and %d embedding values for a prompt of %d tokens", ErrInvalidRequest, len(r.UseEmbed), len(r.Embeds), len(r.Prompt))
	}
	if r.Images != nil && r.UseEmbed != nil {
		return fmt.Errorf("%w: both images and embeddings", ErrInvalidRequest)
	}
	return nil
}

// Event is one step of a request's output.
type Event struct {
	Token       int32
	Logprob     float32     // natural log-probability of Token under the (penalised, masked) distribution
	TopLogprobs []TokenProb // most likely alternatives, when requested
	Done        bool        // the last event of the stream
	Finish      string      // with Done: "stop", "length" or "cancelled"; "" on error
	Err         error       // with Done: why the request failed
	Usage       Usage       // with Done
}

// TokenProb is a token and its log-probability.
type TokenProb struct {
	Token   int32
	Logprob float32
}

// Usage counts a request's tokens.
type Usage struct {
	PromptTokens     int
	CachedTokens     int // prompt tokens reused from a previous request's cache
	CompletionTokens int
	TimeToFirstToken time.Duration
	Latency          time.Duration   // from Submit to the final event (engine requests only)
	Queued           time.Duration   // from Submit to getting a slot (engine requests only)
	TokenGaps        []time.Duration // time between consecutive generated tokens (engine requests only)
}
