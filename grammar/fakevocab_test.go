package grammar

import "strings"

// fakeVocab is a small byte-level vocabulary for tests: every single byte,
// JSON-ish multi-byte pieces, and special tokens.
type fakeVocab struct {
	toks    []string
	special []bool
}

func (f *fakeVocab) VocabSize() int { return len(f.toks) }

func (f *fakeVocab) TokenBytes(id int32) (string, bool) {
	if id < 0 || int(id) >= len(f.toks) {
		return "", false
	}
	return f.toks[id], true
}

func (f *fakeVocab) IsSpecial(id int32) bool {
	return id >= 0 && int(id) < len(f.special) && f.special[id]
}

// id returns the id of token s, or -1.
func (f *fakeVocab) id(s string) int32 {
	for i, t := range f.toks {
		if t == s && !f.special[i] {
			return int32(i)
		}
	}
	return -1
}

var fakePieces = []string{
	`{"`, `{ "`, `":`, `": `, `":"`, `": "`, `", "`, `","`, `, "`, `,"`, `"}`, `"]`, `"},`, `"}]`,
	`},`, `}]`, `]}`, `}}`, `]]`, `[{`, `[[`, `["`, `[]`, `{}`, `[1`, `,{`, `, {`, `:{`, `: {`, `:[`,
	`true`, `false`, `null`, `tr`, `ue`, `fal`, `se`, `nu`, `ll`, `null,`, `true}`, `false]`,
	`12`, `345`, `0.`, `.5`, `e-`, `E+`, `-1`, `10`, `00`, `1e5`, `2,`, `3}`, `4]`,
	`name`, `age`, `tags`, `"name"`, `"age":`, `"tags":[`, `id`, `kind`, `value`, `next`, `children`,
	`hello`, ` world`, ` the`, `abc`, `xyz`, `a"b`, `\"`, `\\`, `\n`, `\u00`, `\ud83d`, `e9`, `41`,
	"\n", "\n  ", "\n    ", "  ", "   ", "\t", " \"", "\r\n",
	"é", "世界", "🎉", "\xe4\xb8", "\x96", "\xf0\x9f", "\x8e\x89", "ü\"",
	`red`, `green`, `"red"`, `"blue"`, `"re`, `d"`,
}

// newFakeVocab returns the vocabulary and its stop ids (two of them).
func newFakeVocab() (*fakeVocab, []int32) {
	f := &fakeVocab{}
	add := func(s string, special bool) int32 {
		f.toks = append(f.toks, s)
		f.special = append(f.special, special)
		return int32(len(f.toks) - 1)
	}
	for b := 0; b < 256; b++ {
		add(string([]byte{byte(b)}), false)
	}
	seen := map[string]bool{}
	for _, p := range fakePieces {
		if !seen[p] && len(p) > 1 {
			seen[p] = true
			add(p, false)
		}
	}
	add(`"`, false) // a duplicate of the single byte: both ids must behave alike
	eot := add("<|eot|>", true)
	add("<|pad|>", true)
	eom := add("<|eom|>", true)
	add("\n"+strings.Repeat(" ", MaxIndent+1), false)
	return f, []int32{eot, eom}
}
