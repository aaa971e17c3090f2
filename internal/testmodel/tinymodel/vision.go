package tinymodel

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

// ImageTokenNames are the tiny multimodal model's image tokens, in the order
// of their golden ids 500–505.
var ImageTokenNames = []string{"<|patch|>", "<|image_start|>", "<|image_end|>", "<|image|>", "<|tile_x_separator|>", "<|tile_y_separator|>"}

// VisionTokenizerJSON is a tokenizer.json for the tiny multimodal model's
// 512 ids: the 256 bytes (byte-level), one merge, specials up to 499
// (<|begin_of_text|> is 257), and ImageTokenNames at the golden ids 500–505.
// It is the text of testdata/llama4-tiny-vision/f32/tokenizer.json.
func VisionTokenizerJSON(tb testing.TB) []byte {
	tb.Helper()
	vocab := map[string]int{}
	for b := 0; b < 256; b++ {
		vocab[byteLevel(byte(b))] = b
	}
	vocab["ab"] = 256
	type added struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	}
	names := []string{tokenizer.BeginOfText, tokenizer.EndOfText, tokenizer.EndOfTurn, tokenizer.EndOfMessage,
		tokenizer.FinetunePad, tokenizer.HeaderStart, tokenizer.HeaderEnd}
	var specials []added
	for id := 257; id < 500; id++ {
		name := fmt.Sprintf("<|reserved_special_token_%d|>", id)
		if k := id - 257; k < len(names) {
			name = names[k]
		}
		specials = append(specials, added{id, name, true})
	}
	for i, n := range ImageTokenNames {
		specials = append(specials, added{500 + i, n, true})
	}
	tj := map[string]any{
		"added_tokens": specials,
		"normalizer":   nil,
		"pre_tokenizer": map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Split", "pattern": map[string]any{"Regex": tokenizer.Pattern}, "behavior": "Isolated", "invert": false},
			map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false},
		}},
		"decoder": map[string]any{"type": "ByteLevel"},
		"model":   map[string]any{"type": "BPE", "ignore_merges": true, "vocab": vocab, "merges": []string{"a b"}},
	}
	b, err := json.MarshalIndent(tj, "", " ")
	if err != nil {
		tb.Fatal(err)
	}
	return append(b, '\n')
}

// VisionTokenizer parses VisionTokenizerJSON.
func VisionTokenizer(tb testing.TB) *tokenizer.Tokenizer {
	tb.Helper()
	tok, err := tokenizer.ParseHFJSON(VisionTokenizerJSON(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// byteLevel is GPT-2's bytes_to_unicode for one byte.
func byteLevel(b byte) string {
	printable := func(c int) bool { return c >= '!' && c <= '~' || c >= 0xA1 && c <= 0xAC || c >= 0xAE }
	if printable(int(b)) {
		return string(rune(b))
	}
	n := 0
	for c := 0; c < int(b); c++ {
		if !printable(c) {
			n++
		}
	}
	return string(rune(256 + n))
}

// VisionWeights returns testdata/llama4-tiny-vision/f32, skipping the test
// when its weights are absent.
func VisionWeights(tb testing.TB) string {
	tb.Helper()
	return testmodel.NeedWeights(tb, filepath.Join(testmodel.TinyVisionDir(tb), "f32"))
}

// LoadVision loads the tiny multimodal model's text part and, unless
// noVision, its vision tower (nil otherwise); both are closed when the test
// ends. It skips the test when the weights are absent.
func LoadVision(tb testing.TB, noVision bool) (*llama4.Model, *llama4.Vision) {
	tb.Helper()
	dir := VisionWeights(tb)
	m := testmodel.Load(tb, dir, checkpoint.LoadHF)
	if noVision {
		return m, nil
	}
	v := testmodel.Load(tb, dir, func(dir string) (*llama4.Vision, error) { return llama4.LoadVision(dir, m.Config) })
	return m, v
}
