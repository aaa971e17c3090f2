package guard

import (
	"fmt"

	"github.com/herd-llm/herd/chat"
)

// windows splits the checked message of a conversation whose guard prompt
// is too long for the context into overlapping windows of its tokens
// (an eighth of a window overlaps the next), and returns one prompt per
// window that checks that window alone: the earlier turns are left out, but
// no text of the checked message is. A checked message with images cannot
// be windowed.
func (g *LlamaGuard) windows(conv []chat.Message, po PromptOptions) ([][]int32, error) {
	conv, err := cut(conv, po.Role)
	if err != nil {
		return nil, err
	}
	last := conv[len(conv)-1]
	for _, p := range last.Parts {
		if p.Image {
			return nil, fmt.Errorf("guard: the message with images is too long for the guard's context of %d tokens", g.gen.Ctx())
		}
	}
	text := last.Content
	if last.Parts != nil {
		text = ""
		for _, p := range last.Parts {
			text += p.Text
		}
	}
	prompt := func(s string) ([]int32, error) {
		return Encode(g.tok, []chat.Message{{Role: last.Role, Content: s}}, po)
	}
	empty, err := prompt("")
	if err != nil {
		return nil, err
	}
	size := g.maxPrompt() - len(empty)
	if size < 16 {
		return nil, fmt.Errorf("guard: the guard's context of %d tokens leaves %d tokens for the message", g.gen.Ctx(), size)
	}
	toks := g.tok.Encode(text, false)
	var out [][]int32
	for start := 0; start < len(toks); {
		n := min(size, len(toks)-start)
		for {
			ids, err := prompt(g.tok.Decode(toks[start:start+n], false))
			if err != nil {
				return nil, err
			}
			if len(ids) <= g.maxPrompt() {
				out = append(out, ids)
				break
			}
			n -= max(1, (len(ids) - g.maxPrompt())) // re-encoding across a cut merged differently
		}
		if start+n >= len(toks) {
			break
		}
		start += max(1, n-n/8)
	}
	return out, nil
}
