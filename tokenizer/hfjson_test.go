package tokenizer

import (
	"cmp"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// hfJSON writes tok as Hugging Face's TikTokenConverter would for Llama 4:
// byte-level vocabulary, merges recovered from the ranks, the O200K Split and
// ByteLevel pre-tokenizers, and the special tokens as added tokens.
func hfJSON(tb testing.TB, tok *Tokenizer) []byte {
	tb.Helper()
	type merge struct {
		l, r string
		rank int32
		lr   [2]int32
	}
	vocab := map[string]int32{}
	var merges []merge
	var added []map[string]any
	for id, s := range tok.tokens {
		if tok.special[id] {
			added = append(added, map[string]any{"id": id, "content": s, "single_word": false,
				"lstrip": false, "rstrip": false, "normalized": false, "special": true})
			continue
		}
		vocab[toByteLevel(s)] = int32(id)
		var local []merge
		for i := 1; i < len(s); i++ {
			l, r := tok.ranks.get(s[:i]), tok.ranks.get(s[i:])
			if l != noRank && r != noRank {
				local = append(local, merge{s[:i], s[i:], int32(id), [2]int32{l, r}})
			}
		}
		slices.SortFunc(local, func(a, b merge) int {
			return cmp.Or(cmp.Compare(a.lr[0], b.lr[0]), cmp.Compare(a.lr[1], b.lr[1]))
		})
		merges = append(merges, local...)
	}
	slices.SortStableFunc(merges, func(a, b merge) int { return cmp.Compare(a.rank, b.rank) })
	ms := make([][2]string, len(merges))
	for i, m := range merges {
		ms[i] = [2]string{toByteLevel(m.l), toByteLevel(m.r)}
	}
	f := map[string]any{
		"version":      "1.0",
		"truncation":   nil,
		"padding":      nil,
		"added_tokens": added,
		"normalizer":   nil,
		"pre_tokenizer": map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Split", "pattern": map[string]any{"Regex": Pattern}, "behavior": "Isolated", "invert": false},
			map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false},
		}},
		"post_processor": map[string]any{"type": "Sequence", "processors": []any{
			map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
			map[string]any{"type": "TemplateProcessing", "single": []any{
				map[string]any{"SpecialToken": map[string]any{"id": BeginOfText, "type_id": 0}},
				map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}},
			}},
		}},
		"decoder": map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
		"model": map[string]any{"type": "BPE", "dropout": nil, "unk_token": nil, "continuing_subword_prefix": nil,
			"end_of_word_suffix": nil, "fuse_unk": false, "byte_fallback": false, "ignore_merges": true,
			"vocab": vocab, "merges": ms},
	}
	b, err := json.Marshal(f)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestHFJSONMatchesTiktoken converts the real vocabulary to tokenizer.json,
// loads it and checks that it encodes the golden strings exactly as the
// tiktoken file does.
func TestHFJSONMatchesTiktoken(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 200k-entry tokenizer.json")
	}
	tik := realTokenizer(t)
	p := filepath.Join(t.TempDir(), HFFile)
	if err := os.WriteFile(p, hfJSON(t, tik), 0o644); err != nil {
		t.Fatal(err)
	}
	hf, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if hf.VocabSize() != tik.VocabSize() || hf.BOS() != tik.BOS() || hf.EOT() != tik.EOT() {
		t.Fatalf("vocab %d bos %d eot %d", hf.VocabSize(), hf.BOS(), hf.EOT())
	}
	checkGolden(t, hf, readGolden(t))
}

// mutateJSON decodes a tokenizer.json, applies f and encodes it again.
func mutateJSON(tb testing.TB, data []byte, f func(m map[string]any)) []byte {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		tb.Fatal(err)
	}
	f(m)
	out, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestParseHFJSONErrors(t *testing.T) {
	good := hfJSON(t, syntheticTokenizer(t))
	if _, err := ParseHFJSON(good); err != nil {
		t.Fatalf("generated file: %v", err)
	}
	model := func(m map[string]any) map[string]any { return m["model"].(map[string]any) }
	pre := func(m map[string]any, i int) map[string]any {
		return m["pre_tokenizer"].(map[string]any)["pretokenizers"].([]any)[i].(map[string]any)
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)/2], "unexpected EOF"},
		{"not an object", []byte(`[1,2]`), "cannot unmarshal"},
		{"no model", []byte(`{"added_tokens": []}`), "no model"},
		{"model type", mutateJSON(t, good, func(m map[string]any) { model(m)["type"] = "WordPiece" }), `model type "WordPiece"`},
		{"ignore_merges", mutateJSON(t, good, func(m map[string]any) { model(m)["ignore_merges"] = false }), "ignore_merges"},
		{"byte_fallback", mutateJSON(t, good, func(m map[string]any) { model(m)["byte_fallback"] = true }), "byte_fallback"},
		{"normalizer", mutateJSON(t, good, func(m map[string]any) { m["normalizer"] = map[string]any{"type": "NFC"} }), "normalizer"},
		{"pre-tokenizer type", mutateJSON(t, good, func(m map[string]any) { m["pre_tokenizer"] = map[string]any{"type": "Metaspace"} }), `pre_tokenizer type "Metaspace"`},
		{"unknown step", mutateJSON(t, good, func(m map[string]any) { pre(m, 0)["type"] = "Whitespace" }), `pre_tokenizer[0] type "Whitespace"`},
		{"other regex", mutateJSON(t, good, func(m map[string]any) {
			pre(m, 0)["pattern"] = map[string]any{"Regex": `\w+|\s+`}
		}), "not the O200K pattern"},
		{"split behavior", mutateJSON(t, good, func(m map[string]any) { pre(m, 0)["behavior"] = "Removed" }), "behavior"},
		{"byte-level regex", mutateJSON(t, good, func(m map[string]any) { pre(m, 1)["use_regex"] = true }), "use_regex"},
		{"decoder", mutateJSON(t, good, func(m map[string]any) { m["decoder"] = map[string]any{"type": "WordPiece"} }), `decoder type "WordPiece"`},
		{"vocab text", mutateJSON(t, good, func(m map[string]any) { model(m)["vocab"].(map[string]any)["a b"] = 99999 }), "not byte-level"},
		{"vocab hole", mutateJSON(t, good, func(m map[string]any) { delete(model(m)["vocab"].(map[string]any), "Ġ") }), "has no token"},
		{"duplicate id", mutateJSON(t, good, func(m map[string]any) { model(m)["vocab"].(map[string]any)["Ġ"] = 33 }), "given twice"},
		{"merge order", mutateJSON(t, good, func(m map[string]any) {
			ms := model(m)["merges"].([]any)
			slices.Reverse(ms)
		}), "rank order"},
		{"merge part", mutateJSON(t, good, func(m map[string]any) {
			model(m)["merges"] = append(model(m)["merges"].([]any), []any{"zzzzzzzz", "q"})
		}), "not in the vocabulary"},
		{"merge shape", mutateJSON(t, good, func(m map[string]any) { model(m)["merges"] = []any{"a b c"} }), "one space"},
		{"no merges", mutateJSON(t, good, func(m map[string]any) { model(m)["merges"] = []any{} }), "merges is empty"},
		{"non-special added", mutateJSON(t, good, func(m map[string]any) {
			m["added_tokens"].([]any)[0].(map[string]any)["special"] = false
		}), "not special"},
		{"added shape", mutateJSON(t, good, func(m map[string]any) {
			m["added_tokens"].([]any)[0].(map[string]any)["content"] = "[BOS]"
		}), "not of the form"},
		{"missing eot", mutateJSON(t, good, func(m map[string]any) {
			for _, a := range m["added_tokens"].([]any) {
				if a := a.(map[string]any); a["content"] == EndOfTurn {
					a["content"] = "<|not_eot|>"
				}
			}
		}), "special <|eot|> is missing"},
	}
	for _, c := range cases {
		_, err := ParseHFJSON(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
	// Merges may also be stored as "left right" strings.
	old := mutateJSON(t, good, func(m map[string]any) {
		ms := model(m)["merges"].([]any)
		for i, p := range ms {
			pair := p.([]any)
			ms[i] = pair[0].(string) + " " + pair[1].(string)
		}
	})
	if _, err := ParseHFJSON(old); err != nil {
		t.Errorf("string merges: %v", err)
	}
}
