package evals

import (
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

// Target is the model an evaluation runs, with what the evaluation needs
// to know about its vocabulary.
type Target struct {
	Model        engine.Model
	Tok          *tokenizer.Tokenizer // nil: only FormIDs, and PerPositionNLL on ids
	BOS          int32                // prepended to every prompt and window; < 0: none
	Stops        []int32              // ids that end a generation
	MaxPositions int                  // the longest sequence the model takes
	Special      func(id int32) bool  // ids never drawn as haystack (FormIDs); nil: none
}

// NewTarget describes m with its tokenizer tok (nil when it has none):
// tok's <|begin_of_text|>, stop and special tokens, else the config's BOS,
// EOS and pad ids.
func NewTarget(m *llama4.Model, tok *tokenizer.Tokenizer) Target {
	c := m.Config
	t := Target{Model: m, Tok: tok, BOS: int32(c.BOS), MaxPositions: c.MaxPositions}
	if tok != nil {
		t.BOS = tok.BOS()
		t.Stops = engine.StopIDs(c.EOS, tok.StopTokens())
		t.Special = tok.IsSpecial
		return t
	}
	t.Stops = engine.StopIDs(c.EOS, nil)
	special := map[int32]bool{int32(c.BOS): true, int32(c.Pad): true}
	for _, id := range c.EOS {
		special[int32(id)] = true
	}
	t.Special = func(id int32) bool { return special[id] }
	return t
}

// bos is the prompt's first token, if any.
func (t Target) bos() []int32 {
	if t.BOS < 0 {
		return nil
	}
	return []int32{t.BOS}
}
