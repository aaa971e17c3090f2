package server

import (
	"bytes"
	"testing"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/tokenizer"
)

// scripted is an engine.Model whose answers are fixed: after the prompt's
// last assistant header it emits reply(prompt) token by token, then <|eot|>.
// It lets the tests drive exact outputs (tool calls, JSON) through the real
// engine, server and clients.
type scripted struct {
	tok   *tokenizer.Tokenizer
	inner *llama4.Model // for caches and the vocabulary size
	reply func(prompt string) string
}

func (s *scripted) VocabSize() int { return s.inner.VocabSize() }

func (s *scripted) NewCacheOf(n int, dt tensor.DType) (*kvcache.Cache, error) {
	return s.inner.NewCacheOf(n, dt)
}

func (s *scripted) ForwardBatch(seqs []llama4.Seq, _ func(int, []float32)) ([][]float32, error) {
	hdrEnd, _ := s.tok.TokenID("<|header_end|>")
	eot, _ := s.tok.TokenID("<|eot|>")
	out := make([][]float32, len(seqs))
	for i, sq := range seqs {
		sq.Cache.Commit(sq.IDs)
		toks := sq.Cache.Tokens()
		// The answer starts after the last "<|header_end|>\n\n" (one token
		// or two, by tokenizer).
		start := 0
		for j := len(toks) - 1; j >= 0; j-- {
			if toks[j] == hdrEnd {
				start = j + 1 + len(s.tok.Encode("\n\n", false))
				break
			}
		}
		prompt := s.tok.Decode(toks[:min(start, len(toks))], false)
		script := s.tok.Encode(s.reply(prompt), true)
		k := len(toks) - start
		next := eot
		if k >= 0 && k < len(script) {
			next = script[k]
		}
		// Every other token is far below the scripted one, so that even at
		// temperature 1 its probability underflows to exactly 0 (with -10
		// against 10 a byte vocabulary left ~1e-6 per step: rare random
		// deviations from the script), while a constraint that masks the
		// scripted token still leaves finite, equal logits to choose from.
		logits := make([]float32, s.VocabSize())
		for v := range logits {
			logits[v] = -1e4
		}
		logits[next] = 10
		out[i] = logits
	}
	return out, nil
}

// newScripted serves the scripted model with the byte tokenizer.
func newScripted(t testing.TB, reply func(prompt string) string) *fixture {
	t.Helper()
	inner := tinymodel.ByteModel(t, 0, 1)
	tok := byteTokenizer(t)
	sm := &scripted{tok: tok, inner: inner, reply: reply}
	o := engine.Options{Parallel: 4, Ctx: 2048, KVType: tensor.F32, PrefillChunk: 4096, QueueSize: 16}
	return serve(t, sm, inner, tok, o, Options{ModelName: "scripted"})
}

// replies picks the scripted answer from words in the prompt.
func replies(prompt string) string {
	// The rendered tool definitions mention the weather too, so the more
	// specific requests are matched first.
	switch {
	case bytes.Contains([]byte(prompt), []byte("two tools")):
		return `<|python_start|>[get_time(zone="UTC"), get_weather(city="Oslo")]<|python_end|>`
	case bytes.Contains([]byte(prompt), []byte("json please")):
		return `{"answer": 42, "ok": true}`
	case bytes.Contains([]byte(prompt), []byte("weather in Paris")):
		return `{"name": "get_weather", "parameters": {"city": "Paris", "unit": "celsius"}}`
	}
	return "Hello from herd. The answer is 42."
}
