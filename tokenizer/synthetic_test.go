package tokenizer

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// sampleText feeds the synthetic vocabulary.
const sampleText = `The quick brown fox jumps over the lazy dog. Don't panic; it's only a test!
func main() { fmt.Println("hello, world") } // 12345 67890
Ça va? naïve café — 東京は日本の首都です。 Привет, мир! 😀👍🏽 ١٢٣
    indented    text		with tabs
and "quotes" 'single' (parens) [brackets] {braces} <|eot|>`

// syntheticTiktoken returns a small tiktoken file: the 256 bytes, then every
// distinct substring of 2 to 5 bytes of the sample's pre-tokens, shorter
// first, so that every token can be built by merges.
func syntheticTiktoken() []byte {
	initBMP()
	var toks []string
	seen := map[string]bool{}
	for b := range 256 {
		toks = append(toks, string([]byte{byte(b)}))
		seen[toks[b]] = true
	}
	var pieces []string
	splitPieces(sampleText, func(p string) { pieces = append(pieces, p) })
	for n := 2; n <= 5; n++ {
		for _, p := range pieces {
			for i := 0; i+n <= len(p); i++ {
				if s := p[i : i+n]; !seen[s] {
					seen[s] = true
					toks = append(toks, s)
				}
			}
		}
	}
	var sb strings.Builder
	for rank, tok := range toks {
		fmt.Fprintf(&sb, "%s %d\n", base64.StdEncoding.EncodeToString([]byte(tok)), rank)
	}
	return []byte(sb.String())
}

var (
	synthOnce sync.Once
	synthTok  *Tokenizer
)

// syntheticTokenizer parses syntheticTiktoken once.
func syntheticTokenizer(tb testing.TB) *Tokenizer {
	tb.Helper()
	synthOnce.Do(func() {
		var err error
		if synthTok, err = ParseTiktoken(syntheticTiktoken()); err != nil {
			panic(err)
		}
	})
	return synthTok
}

// anyTokenizer returns the real tokenizer when its file is present, the
// synthetic one otherwise, so fuzz targets run everywhere.
func anyTokenizer(tb testing.TB) *Tokenizer {
	tb.Helper()
	if realPath() != "" {
		return realTokenizer(tb)
	}
	return syntheticTokenizer(tb)
}
