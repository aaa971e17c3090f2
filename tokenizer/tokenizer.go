package tokenizer

import (
	"errors"
	"fmt"
)

// Tokenizer maps text to Llama 4 token ids and back. It is immutable after
// loading and safe for concurrent use.
type Tokenizer struct {
	ranks    rankTable        // bytes of every ranked token → id
	tokens   []string         // id → bytes (ranked) or name (special); "" for holes
	special  []bool           // id → is a special token
	specials map[string]int32 // special name → id

	bos, eos, eot, eom, pad int32
}

// vocabEntry is one ranked token as a loader found it.
type vocabEntry struct {
	bytes string
	id    int32
}

// errVocab is wrapped by every error about a vocabulary's content.
var errVocab = errors.New("invalid vocabulary")

// newTokenizer checks a loaded vocabulary and indexes it. ranked holds the
// byte tokens; specialNames[i] gets id specialIDs[i].
func newTokenizer(ranked []vocabEntry, specialNames []string, specialIDs []int32) (*Tokenizer, error) {
	size := 0
	for _, e := range ranked {
		size = max(size, int(e.id)+1)
	}
	for _, id := range specialIDs {
		size = max(size, int(id)+1)
	}
	t := &Tokenizer{
		tokens:   make([]string, size),
		special:  make([]bool, size),
		specials: make(map[string]int32, len(specialNames)),
	}
	seen := make([]bool, size)
	for _, e := range ranked {
		if e.id < 0 {
			return nil, fmt.Errorf("%w: negative id %d", errVocab, e.id)
		}
		if seen[e.id] {
			return nil, fmt.Errorf("%w: id %d is given twice", errVocab, e.id)
		}
		if e.bytes == "" {
			return nil, fmt.Errorf("%w: id %d is empty", errVocab, e.id)
		}
		seen[e.id] = true
		t.tokens[e.id] = e.bytes
	}
	for i, name := range specialNames {
		id := specialIDs[i]
		if id < 0 {
			return nil, fmt.Errorf("%w: special %q has negative id %d", errVocab, name, id)
		}
		if seen[id] {
			return nil, fmt.Errorf("%w: special %q reuses id %d", errVocab, name, id)
		}
		if _, dup := t.specials[name]; dup || name == "" {
			return nil, fmt.Errorf("%w: special %q is empty or given twice", errVocab, name)
		}
		seen[id] = true
		t.specials[name] = id
		t.tokens[id] = name
		t.special[id] = true
	}
	for id, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("%w: id %d has no token (ids must be dense)", errVocab, id)
		}
	}
	var a, b int32
	if t.ranks, a, b = newRankTable(t.tokens, t.special); a >= 0 {
		return nil, fmt.Errorf("%w: token %q has ids %d and %d", errVocab, t.tokens[a], a, b)
	}
	for b := range 256 {
		if t.ranks.get(string([]byte{byte(b)})) == noRank {
			return nil, fmt.Errorf("%w: byte 0x%02x has no token", errVocab, b)
		}
	}
	var err error
	for _, s := range []struct {
		dst  *int32
		name string
	}{{&t.bos, BeginOfText}, {&t.eos, EndOfText}, {&t.eot, EndOfTurn}, {&t.eom, EndOfMessage}, {&t.pad, FinetunePad}} {
		id, ok := t.specials[s.name]
		if !ok {
			err = errors.Join(err, fmt.Errorf("%w: special %s is missing", errVocab, s.name))
		}
		*s.dst = id
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// VocabSize returns the number of ids: ranked tokens plus specials
// (202,048 for Llama 4).
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// TokenID returns the id of a special token's name (such as "<|eot|>") or of a
// string that is exactly one ranked token.
func (t *Tokenizer) TokenID(name string) (int32, bool) {
	if id, ok := t.specials[name]; ok {
		return id, true
	}
	id := t.ranks.get(name)
	return id, id != noRank
}

// TokenBytes returns the bytes of a ranked token or the name of a special
// one, and false for an id outside the vocabulary.
func (t *Tokenizer) TokenBytes(id int32) (string, bool) {
	if id < 0 || int(id) >= len(t.tokens) || t.tokens[id] == "" {
		return "", false
	}
	return t.tokens[id], true
}

// IsSpecial reports whether id is a special token.
func (t *Tokenizer) IsSpecial(id int32) bool {
	return id >= 0 && int(id) < len(t.special) && t.special[id]
}

// BOS returns the id of <|begin_of_text|>.
func (t *Tokenizer) BOS() int32 { return t.bos }

// EOS returns the id of <|end_of_text|>, the base model's end.
func (t *Tokenizer) EOS() int32 { return t.eos }

// EOT returns the id of <|eot|>, which ends an instruct turn.
func (t *Tokenizer) EOT() int32 { return t.eot }

// EOM returns the id of <|eom|>, which ends a message that awaits a tool
// result in Meta's format.
func (t *Tokenizer) EOM() int32 { return t.eom }

// Pad returns the id of <|finetune_right_pad|>.
func (t *Tokenizer) Pad() int32 { return t.pad }

// StopTokens returns the ids that end generation: <|end_of_text|>, <|eom|>
// and <|eot|>, as in Meta's reference.
func (t *Tokenizer) StopTokens() []int32 { return []int32{t.eos, t.eom, t.eot} }
