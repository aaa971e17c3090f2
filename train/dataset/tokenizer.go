package dataset

import "github.com/herd-llm/herd/tokenizer"

// TextTokenizer is a Llama 4-format tokenizer (package tokenizer: tiktoken
// ranks, the O200K pre-tokenizer, the 2048 Llama 4 specials after the
// ranks) as a training Tokenizer. Text is encoded without special tokens
// (their names in the text are ordinary text); a model trained with it is
// used at inference with the very same tokenizer.model.
type TextTokenizer struct {
	T *tokenizer.Tokenizer
}

// Encode returns the ids of text; special-token names are plain text.
func (t TextTokenizer) Encode(text string) []int32 { return t.T.Encode(text, false) }

// Decode returns the text of ids, special tokens dropped.
func (t TextTokenizer) Decode(ids []int32) string { return t.T.Decode(ids, true) }

// VocabSize is the number of ranks plus the 2048 specials.
func (t TextTokenizer) VocabSize() int { return t.T.VocabSize() }

// BOS is <|begin_of_text|>.
func (t TextTokenizer) BOS() int32 { return t.T.BOS() }

// EOS is <|end_of_text|>.
func (t TextTokenizer) EOS() int32 { return t.T.EOS() }

// Pad is <|finetune_right_pad|>.
func (t TextTokenizer) Pad() int32 { return t.T.Pad() }

// TokenLen is the byte length of a ranked token, 0 for a special one.
func (t TextTokenizer) TokenLen(id int32) int {
	if t.T.IsSpecial(id) {
		return 0
	}
	s, _ := t.T.TokenBytes(id)
	return len(s)
}

// TokenLen is 1 for the 256 byte ids and 0 for the specials.
func (ByteTokenizer) TokenLen(id int32) int {
	if id >= 0 && id < 256 {
		return 1
	}
	return 0
}
