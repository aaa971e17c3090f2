package tokenizer

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
)

// ParseTiktoken builds the Llama 4 tokenizer from the contents of a tiktoken
// file (tokenizer.model): one "base64(token bytes) rank" line per token, ranks
// dense from 0. The 2048 special tokens of Llama4Specials follow the last
// rank, as in Meta's tokenizer.py.
func ParseTiktoken(data []byte) (*Tokenizer, error) {
	lines := bytes.Count(data, []byte{'\n'}) + 1
	arena := make([]byte, 0, len(data)*3/4)
	type span struct{ start, end int }
	spans := make([]span, 0, lines)
	for line := 1; len(data) > 0; line++ {
		text := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			text, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		text = bytes.TrimSuffix(text, []byte{'\r'})
		if len(text) == 0 {
			continue // blank lines, such as a final newline
		}
		sp := bytes.IndexByte(text, ' ')
		if sp < 0 {
			return nil, fmt.Errorf("tiktoken line %d: want \"base64 rank\", got %q", line, clip(text))
		}
		b64, rankText := text[:sp], text[sp+1:]
		rank, err := strconv.ParseUint(string(rankText), 10, 31)
		if err != nil {
			return nil, fmt.Errorf("tiktoken line %d: bad rank %q: %w", line, clip(rankText), err)
		}
		if int(rank) != len(spans) {
			return nil, fmt.Errorf("tiktoken line %d: rank %d out of order (want %d): ranks must be unique and dense from 0", line, rank, len(spans))
		}
		start := len(arena)
		arena = slices.Grow(arena, base64.StdEncoding.DecodedLen(len(b64)))
		arena = arena[:cap(arena)]
		n, err := base64.StdEncoding.Decode(arena[start:], b64)
		if err != nil {
			return nil, fmt.Errorf("tiktoken line %d: bad base64 %q: %w", line, clip(b64), err)
		}
		arena = arena[:start+n]
		spans = append(spans, span{start, start + n})
	}
	if len(spans) == 0 {
		return nil, fmt.Errorf("tiktoken file has no tokens: %w", errVocab)
	}
	all := string(arena)
	ranked := make([]vocabEntry, len(spans))
	for i, s := range spans {
		ranked[i] = vocabEntry{all[s.start:s.end], int32(i)}
	}
	names := Llama4Specials()
	ids := make([]int32, len(names))
	for i := range names {
		ids[i] = int32(len(spans) + i)
	}
	t, err := newTokenizer(ranked, names, ids)
	if err != nil {
		return nil, fmt.Errorf("tiktoken file: %w", err)
	}
	return t, nil
}

// clip shortens b for an error message.
func clip(b []byte) string {
	const n = 40
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
