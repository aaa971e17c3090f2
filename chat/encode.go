package chat

import (
	"fmt"
	"strings"

	"github.com/herd-llm/herd/tokenizer"
)

// Encode renders msgs and returns their token ids, <|begin_of_text|> first;
// add no other BOS. The special tokens the template writes become their ids;
// all other text, message content included, is encoded as plain text, so a
// user cannot inject <|eot|> or a header by typing its name. For content that
// holds no special token names the ids equal tokenizing Render's output with
// special tokens allowed, as Hugging Face does.
func Encode(tok *tokenizer.Tokenizer, msgs []Message, opts Options) ([]int32, error) {
	p, err := render(msgs, opts)
	if err != nil {
		return nil, err
	}
	var ids []int32
	var text strings.Builder
	for _, s := range p {
		if !s.special {
			text.WriteString(s.text)
			continue
		}
		id, ok := tok.TokenID(s.text)
		if !ok || !tok.IsSpecial(id) {
			return nil, fmt.Errorf("chat: the tokenizer has no special token %s", s.text)
		}
		ids = tok.AppendEncode(ids, text.String(), false)
		text.Reset()
		ids = append(ids, id)
	}
	return tok.AppendEncode(ids, text.String(), false), nil
}
