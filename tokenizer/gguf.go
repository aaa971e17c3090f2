package tokenizer

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/format/gguf"
)

// GGUF tokenizer metadata keys (llama.cpp's gguf-py constants).
const (
	GGUFKeyModel        = "tokenizer.ggml.model"
	GGUFKeyPre          = "tokenizer.ggml.pre"
	GGUFKeyTokens       = "tokenizer.ggml.tokens"
	GGUFKeyTokenType    = "tokenizer.ggml.token_type"
	GGUFKeyMerges       = "tokenizer.ggml.merges"
	GGUFKeyBOS          = "tokenizer.ggml.bos_token_id"
	GGUFKeyEOS          = "tokenizer.ggml.eos_token_id"
	GGUFKeyPad          = "tokenizer.ggml.padding_token_id"
	GGUFKeyAddBOS       = "tokenizer.ggml.add_bos_token"
	GGUFKeyChatTemplate = "tokenizer.chat_template"
)

// GGUF token types (llama.cpp's llama_token_type / gguf-py TokenType).
const (
	ggufNormal      = 1
	ggufUnknown     = 2
	ggufControl     = 3
	ggufUserDefined = 4
	ggufUnused      = 5
	ggufByte        = 6
)

// ggufPreTokenizers are the tokenizer.ggml.pre values whose pre-tokenizer is
// the O200K pattern this package implements: llama.cpp maps "llama4" (and
// "gpt-4o") to the GPT-4o regex.
var ggufPreTokenizers = []string{"llama4", "gpt-4o"}

// errGGUF is wrapped by every error about a GGUF file's tokenizer metadata.
var errGGUF = errors.New("gguf tokenizer")

// HasGGUFTokenizer reports whether f carries tokenizer metadata.
func HasGGUFTokenizer(f *gguf.File) bool {
	_, ok := f.Value(GGUFKeyTokens)
	return ok
}

// LoadGGUF opens a GGUF file and builds the tokenizer embedded in its
// metadata (see FromGGUF).
func LoadGGUF(path string) (*Tokenizer, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	defer f.Close()
	return FromGGUF(f)
}

// FromGGUF builds a tokenizer from the tokenizer.ggml.* metadata of a GGUF
// file as llama.cpp's converter writes it for Llama 4: model "gpt2"
// (byte-level BPE), pre-tokenizer "llama4" (or "default", which ollama's
// converter writes, for a vocabulary with Llama 4's special tokens), the
// token list in byte-level
// spelling, token types (normal, or control/user-defined for the <|…|>
// special tokens; unused padding entries become reserved specials) and the
// merges. The merges must be the ones recovered from ranks (each result's
// rank not below the previous one), so that merging by rank, as Encode
// does, gives llama.cpp's ids. Errors name the file and the key.
func FromGGUF(f *gguf.File) (*Tokenizer, error) {
	t, err := fromGGUF(f)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", f.Path, err)
	}
	return t, nil
}

func fromGGUF(f *gguf.File) (*Tokenizer, error) {
	model, ok := f.String(GGUFKeyModel)
	switch {
	case !ok:
		if _, present := f.Value(GGUFKeyModel); present {
			return nil, fmt.Errorf("%w: key %s is not a string", errGGUF, GGUFKeyModel)
		}
		return nil, fmt.Errorf("%w: key %s is missing (the file has no tokenizer)", errGGUF, GGUFKeyModel)
	case model != "gpt2":
		return nil, fmt.Errorf("%w: %s = %q is not supported (want \"gpt2\", byte-level BPE): %w", errGGUF, GGUFKeyModel, model, errUnsupported)
	}
	pre, preOK := f.String(GGUFKeyPre)
	tokens, ok := f.Strings(GGUFKeyTokens)
	if !ok {
		return nil, fmt.Errorf("%w: key %s is missing or not an array of strings", errGGUF, GGUFKeyTokens)
	}
	switch {
	case preOK && slices.Contains(ggufPreTokenizers, pre):
	case (!preOK || pre == "default") && slices.Contains(tokens, HeaderStart) && slices.Contains(tokens, BeginOfText):
		// ollama's converter does not recognise Llama 4's pre-tokenizer and
		// writes "default"; the vocabulary says it is Llama 4's.
	case !preOK:
		return nil, fmt.Errorf("%w: key %s is missing or not a string (want \"llama4\")", errGGUF, GGUFKeyPre)
	default:
		return nil, fmt.Errorf("%w: %s = %q: only the Llama 4 (GPT-4o/O200K) pre-tokenizer is implemented, want one of %q: %w", errGGUF, GGUFKeyPre, pre, ggufPreTokenizers, errUnsupported)
	}
	if len(tokens) == 0 || len(tokens) > 1<<30 {
		return nil, fmt.Errorf("%w: %s has %d tokens", errGGUF, GGUFKeyTokens, len(tokens))
	}
	var types []int64
	if v, present := f.Value(GGUFKeyTokenType); present {
		if types, ok = v.Ints(); !ok {
			return nil, fmt.Errorf("%w: key %s is not an array of integers", errGGUF, GGUFKeyTokenType)
		}
		if len(types) != len(tokens) {
			return nil, fmt.Errorf("%w: %s has %d entries but %s has %d", errGGUF, GGUFKeyTokenType, len(types), GGUFKeyTokens, len(tokens))
		}
	}
	mergeLines, ok := f.Strings(GGUFKeyMerges)
	if !ok {
		return nil, fmt.Errorf("%w: key %s is missing or not an array of strings", errGGUF, GGUFKeyMerges)
	}

	var ranked []vocabEntry
	var names []string
	var ids []int32
	for i, tok := range tokens {
		typ := int64(ggufNormal)
		if types != nil {
			typ = types[i]
		}
		id := int32(i)
		switch typ {
		case ggufNormal:
			b, ok := fromByteLevel(tok)
			if !ok || b == "" {
				return nil, fmt.Errorf("%w: token %d %q is not byte-level text: %w", errGGUF, i, clip([]byte(tok)), errVocab)
			}
			ranked = append(ranked, vocabEntry{b, id})
		case ggufControl, ggufUserDefined:
			if !validSpecialName(tok) {
				return nil, fmt.Errorf("%w: token %d %q (type %d) is not a special token of the form <|name|>: %w", errGGUF, i, clip([]byte(tok)), typ, errUnsupported)
			}
			names = append(names, tok)
			ids = append(ids, id)
		case ggufUnused:
			// Padding entries ("[PAD123]") that fill the vocabulary up to the
			// model's size: reserved specials that text never produces.
			name := tok
			if !validSpecialName(name) {
				name = specialPrefix + "unused_" + strconv.Itoa(i) + specialSuffix
			}
			names = append(names, name)
			ids = append(ids, id)
		default:
			return nil, fmt.Errorf("%w: token %d %q has type %d, which a gpt2 vocabulary does not use: %w", errGGUF, i, clip([]byte(tok)), typ, errUnsupported)
		}
	}
	t, err := newTokenizer(ranked, names, ids)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errGGUF, GGUFKeyTokens, err)
	}
	merges := make([][2]string, len(mergeLines))
	for i, s := range mergeLines {
		l, r, ok := strings.Cut(s, " ")
		if !ok || strings.Contains(r, " ") {
			return nil, fmt.Errorf("%w: %s[%d] %q is not two tokens separated by one space: %w", errGGUF, GGUFKeyMerges, i, clip([]byte(s)), errVocab)
		}
		merges[i] = [2]string{l, r}
	}
	if len(merges) == 0 {
		// Valid only for a vocabulary of single bytes: nothing to merge.
		for id, tok := range t.tokens {
			if !t.special[id] && len(tok) > 1 {
				return nil, fmt.Errorf("%w: %s is empty but token %d %q has %d bytes: %w", errGGUF, GGUFKeyMerges, id, clip([]byte(tok)), len(tok), errVocab)
			}
		}
	} else if err := checkHFMerges(t, merges); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errGGUF, GGUFKeyMerges, err)
	}
	for _, key := range []string{GGUFKeyBOS, GGUFKeyEOS, GGUFKeyPad} {
		v, present := f.Value(key)
		if !present {
			continue
		}
		if id, ok := v.Uint(); !ok || id >= uint64(len(t.tokens)) {
			return nil, fmt.Errorf("%w: %s = %v is not a token id below %d", errGGUF, key, v, len(t.tokens))
		}
	}
	return t, nil
}

// GGUFChatTemplate returns the chat template stored in a GGUF file
// (tokenizer.chat_template), or "" when there is none.
func GGUFChatTemplate(f *gguf.File) string {
	s, _ := f.String(GGUFKeyChatTemplate)
	return s
}

// GGUFMetadata returns the tokenizer metadata llama.cpp's converter writes
// for a Llama 4 vocabulary: model "gpt2", pre-tokenizer "llama4", the tokens
// in byte-level spelling (specials by name), their types (normal, or
// control for specials) and the merges recovered from the ranks as
// Hugging Face's TikTokenConverter does. When vocabSize exceeds the
// tokenizer's size the list is padded with unused "[PADid]" entries, as the
// converter pads. Special-token ids (BOS, EOS, padding) and the chat
// template are the caller's to add.
func (t *Tokenizer) GGUFMetadata(vocabSize int) ([]gguf.KV, error) {
	n := len(t.tokens)
	if vocabSize < n {
		return nil, fmt.Errorf("tokenizer: %d tokens do not fit a vocabulary of %d", n, vocabSize)
	}
	tokens := make([]string, vocabSize)
	types := make([]int32, vocabSize)
	for id := range vocabSize {
		switch {
		case id >= n:
			tokens[id], types[id] = "[PAD"+strconv.Itoa(id)+"]", ggufUnused
		case t.special[id]:
			tokens[id], types[id] = t.tokens[id], ggufControl
		default:
			tokens[id], types[id] = toByteLevel(t.tokens[id]), ggufNormal
		}
	}
	return []gguf.KV{
		gguf.KVString(GGUFKeyModel, "gpt2"),
		gguf.KVString(GGUFKeyPre, "llama4"),
		gguf.KVStrings(GGUFKeyTokens, tokens),
		gguf.KVInt32s(GGUFKeyTokenType, types),
		gguf.KVStrings(GGUFKeyMerges, t.Merges()),
	}, nil
}

// Merges returns the byte-level BPE merges ("left right") that reproduce the
// ranks, in the order of Hugging Face's TikTokenConverter: for every ranked
// token of two or more bytes, each split into two ranked tokens, ordered by
// the ranks of the left then the right part; all sorted (stably) by the
// rank of the merged token.
func (t *Tokenizer) Merges() []string {
	type merge struct {
		l, r   string
		rank   int32
		lr, rr int32
	}
	var all []merge
	var local []merge
	for id, tok := range t.tokens {
		if t.special[id] || len(tok) < 2 {
			continue
		}
		local = local[:0]
		for i := 1; i < len(tok); i++ {
			l, r := tok[:i], tok[i:]
			lr, rr := t.ranks.get(l), t.ranks.get(r)
			if lr == noRank || rr == noRank {
				continue
			}
			local = append(local, merge{l, r, int32(id), lr, rr})
		}
		slices.SortStableFunc(local, func(a, b merge) int {
			if a.lr != b.lr {
				return int(a.lr - b.lr)
			}
			return int(a.rr - b.rr)
		})
		all = append(all, local...)
	}
	// Ranks are ids, visited in increasing order: all is already sorted by
	// the merged token's rank.
	out := make([]string, len(all))
	for i, m := range all {
		out[i] = toByteLevel(m.l) + " " + toByteLevel(m.r)
	}
	return out
}
