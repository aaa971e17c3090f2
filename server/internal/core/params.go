package core

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/herd-llm/herd/sample"
)

// resolve validates the shared fields and fills GenParams (without the
// prompt) and n. maxTokens is the endpoint's token limit field.
func (s *Core) resolve(c *sampling, maxTokens *int, promptLen int) (GenParams, int, *APIError) {
	var gp GenParams
	ctx := s.eng.Ctx()
	room := ctx - promptLen
	if room <= 0 {
		return gp, 0, &APIError{Status: 400, Type: "invalid_request_error", Param: Strp("messages"), Code: Strp("context_length_exceeded"),
			Message: fmt.Sprintf("the prompt is %d tokens, but the context is %d tokens: shorten the prompt or start the server with a larger --ctx", promptLen, ctx)}
	}
	gp.maxTokens = room
	if maxTokens != nil {
		if *maxTokens <= 0 {
			return gp, 0, BadRequest("max_tokens", fmt.Sprintf("max_tokens must be positive, got %d", *maxTokens))
		}
		if *maxTokens > room {
			return gp, 0, &APIError{Status: 400, Type: "invalid_request_error", Param: Strp("max_tokens"), Code: Strp("context_length_exceeded"),
				Message: fmt.Sprintf("prompt (%d tokens) + max_tokens (%d) exceeds the context of %d tokens", promptLen, *maxTokens, ctx)}
		}
		gp.maxTokens = *maxTokens
	}
	n := 1
	if c.N != nil {
		n = *c.N
		if n < 1 || n > s.o.MaxN {
			return gp, 0, BadRequest("n", fmt.Sprintf("n must be between 1 and %d, got %d", s.o.MaxN, n))
		}
	}
	sp := sample.Params{Temperature: 1, TopP: 1}
	f := func(p *float64, name string, lo, hi float64, dst *float32) *APIError {
		if p == nil {
			return nil
		}
		if math.IsNaN(*p) || *p < lo || *p > hi {
			return BadRequest(name, fmt.Sprintf("%s must be between %g and %g, got %g", name, lo, hi, *p))
		}
		*dst = float32(*p)
		return nil
	}
	for _, e := range []*APIError{
		f(c.Temperature, "temperature", 0, 2, &sp.Temperature),
		f(c.TopP, "top_p", 0, 1, &sp.TopP),
		f(c.MinP, "min_p", 0, 1, &sp.MinP),
		f(c.RepeatPenalty, "repetition_penalty", 0, 10, &sp.RepeatPenalty),
		f(c.PresencePenalty, "presence_penalty", -2, 2, &sp.PresencePenalty),
		f(c.FrequencyPenalty, "frequency_penalty", -2, 2, &sp.FrequencyPenalty),
	} {
		if e != nil {
			return gp, 0, e
		}
	}
	if c.TopK != nil {
		if *c.TopK < 0 {
			return gp, 0, BadRequest("top_k", "top_k must be ≥ 0")
		}
		sp.TopK = *c.TopK
	}
	if c.Seed != nil {
		sp.Seed = uint64(*c.Seed)
	} else {
		sp.Seed = rand.Uint64()
	}
	if len(c.Stop) > 4 {
		return gp, 0, BadRequest("stop", "at most 4 stop sequences are allowed")
	}
	gp.stops = c.Stop
	gp.sampling = sp
	return gp, n, nil
}
