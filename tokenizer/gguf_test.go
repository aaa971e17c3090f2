package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/internal/testmodel/gguftest"
)

const ggufTestdata = "../testdata/gguf"

// ggufFromKVs writes a tensor-less GGUF holding kvs and parses it.
func ggufFromKVs(tb testing.TB, kvs []gguf.KV) *gguf.File {
	tb.Helper()
	return gguftest.Parse(tb, "vocab.gguf", kvs, nil)
}

var ggufTexts = []string{
	sampleText,
	"Hello, world! The quick brown fox jumps over the lazy dog.",
	"<|begin_of_text|><|header_start|>user<|header_end|>\n\nhi<|eot|>",
	"  leading spaces, trailing spaces   \n\n\ttabs\r\nCRLF 12345678 ’quotes’",
}

func sameEncodes(t *testing.T, a, b *Tokenizer) {
	t.Helper()
	if a.VocabSize() != b.VocabSize() || a.BOS() != b.BOS() || a.EOT() != b.EOT() || a.Pad() != b.Pad() {
		t.Fatalf("vocab %d/%d, bos %d/%d, eot %d/%d, pad %d/%d", a.VocabSize(), b.VocabSize(), a.BOS(), b.BOS(), a.EOT(), b.EOT(), a.Pad(), b.Pad())
	}
	for _, s := range ggufTexts {
		for _, sp := range []bool{false, true} {
			if x, y := a.Encode(s, sp), b.Encode(s, sp); !slices.Equal(x, y) {
				t.Errorf("Encode(%q, %v):\n%v\n%v", s, sp, x, y)
			}
		}
	}
	for id := int32(0); id < int32(a.VocabSize()); id++ {
		x, _ := a.TokenBytes(id)
		y, _ := b.TokenBytes(id)
		if x != y || a.IsSpecial(id) != b.IsSpecial(id) {
			t.Fatalf("token %d: %q/%v vs %q/%v", id, x, a.IsSpecial(id), y, b.IsSpecial(id))
		}
	}
}

// TestGGUFTokenizerRoundTrip: a tokenizer written as GGUF metadata reads
// back as the same tokenizer (the synthetic one, and the real Llama 4
// vocabulary when HERD_LLAMA4_TOKENIZER names it).
func TestGGUFTokenizerRoundTrip(t *testing.T) {
	toks := map[string]*Tokenizer{"synthetic": syntheticTokenizer(t)}
	if realPath() != "" {
		toks["llama4"] = realTokenizer(t)
	}
	for name, tok := range toks {
		t.Run(name, func(t *testing.T) {
			kvs, err := tok.GGUFMetadata(tok.VocabSize())
			if err != nil {
				t.Fatal(err)
			}
			back, err := FromGGUF(ggufFromKVs(t, kvs))
			if err != nil {
				t.Fatal(err)
			}
			sameEncodes(t, tok, back)
			if name == "llama4" {
				m, _ := ggufFromKVs(t, kvs).Strings(GGUFKeyMerges)
				t.Logf("Llama 4: %d tokens, %d merges", tok.VocabSize(), len(m))
			}
		})
	}
}

// TestGGUFTokenizerPadding: a vocabulary padded to the model's size with
// unused entries (as llama.cpp's converter pads) reads back.
func TestGGUFTokenizerPadding(t *testing.T) {
	tok := syntheticTokenizer(t)
	kvs, err := tok.GGUFMetadata(tok.VocabSize() + 3)
	if err != nil {
		t.Fatal(err)
	}
	back, err := FromGGUF(ggufFromKVs(t, kvs))
	if err != nil {
		t.Fatal(err)
	}
	if back.VocabSize() != tok.VocabSize()+3 || !back.IsSpecial(int32(tok.VocabSize())) {
		t.Fatalf("padded vocab %d", back.VocabSize())
	}
	if _, err := tok.GGUFMetadata(tok.VocabSize() - 1); err == nil {
		t.Error("metadata for a smaller vocabulary")
	}
}

// TestGGUFTokenizerLlamaCpp: the tokenizer llama.cpp's converter embedded
// in testdata/gguf/llama.cpp-tiny-f32.gguf is the tokenizer.json it came
// from, and herd writes the same tokens, types and merges.
func TestGGUFTokenizerLlamaCpp(t *testing.T) {
	f := gguftest.OpenLlamaCpp(t, "llama.cpp-tiny-f32.gguf")
	fromGGUF, err := FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join(ggufTestdata, "tiny-tokenizer", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := ParseHFJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	sameEncodes(t, fromJSON, fromGGUF)
	kvs, err := fromJSON.GGUFMetadata(512)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range kvs {
		v, ok := f.Value(kv.Key)
		if !ok || v.String() != kv.Value.String() || v.Type() != kv.Value.Type() || v.ElemType() != kv.Value.ElemType() {
			t.Errorf("%s: herd writes %s %s, llama.cpp wrote %s %s", kv.Key, kv.Value.Type(), clip([]byte(kv.Value.String())), v.Type(), clip([]byte(v.String())))
		}
	}
	if !strings.Contains(GGUFChatTemplate(f), "<|header_start|>") {
		t.Errorf("chat template %q", GGUFChatTemplate(f))
	}
}

// TestGGUFTokenizerErrors: bad tokenizer metadata fails with an error that
// names the file and the key.
func TestGGUFTokenizerErrors(t *testing.T) {
	tok := syntheticTokenizer(t)
	good, err := tok.GGUFMetadata(tok.VocabSize())
	if err != nil {
		t.Fatal(err)
	}
	set := func(kv gguf.KV) []gguf.KV {
		out := slices.DeleteFunc(slices.Clone(good), func(x gguf.KV) bool { return x.Key == kv.Key })
		return append(out, kv)
	}
	drop := func(key string) []gguf.KV {
		return slices.DeleteFunc(slices.Clone(good), func(x gguf.KV) bool { return x.Key == key })
	}
	tokens, _ := ggufFromKVs(t, good).Strings(GGUFKeyTokens)
	merges, _ := ggufFromKVs(t, good).Strings(GGUFKeyMerges)
	types := make([]int32, len(tokens))
	for i := range types {
		types[i] = ggufNormal
		if tok.IsSpecial(int32(i)) {
			types[i] = ggufControl
		}
	}
	withType := func(i int, typ int32) []int32 { x := slices.Clone(types); x[i] = typ; return x }
	swapped := slices.Clone(merges)
	swapped[0], swapped[len(swapped)-1] = swapped[len(swapped)-1], swapped[0]
	noEOT := slices.Clone(tokens)
	eot, _ := tok.TokenID(EndOfTurn)
	noEOT[eot] = "<|not_eot|>"
	hs, _ := tok.TokenID(HeaderStart)
	noHeader := slices.Clone(tokens)
	noHeader[hs] = "<|not_header_start|>"
	isPre := func(x gguf.KV) bool { return x.Key == GGUFKeyPre }
	notLlama4 := slices.DeleteFunc(set(gguf.KVStrings(GGUFKeyTokens, noHeader)), isPre) // a vocabulary without <|header_start|>
	dup := slices.Clone(tokens)
	dup[300] = dup[301]
	cases := []struct {
		name string
		kvs  []gguf.KV
		want []string
	}{
		{"no model", drop(GGUFKeyModel), []string{GGUFKeyModel, "missing"}},
		{"spm", set(gguf.KVString(GGUFKeyModel, "llama")), []string{GGUFKeyModel, `"llama"`}},
		{"no pre", notLlama4, []string{GGUFKeyPre, "missing"}},
		{"default pre", append(slices.Clone(notLlama4), gguf.KVString(GGUFKeyPre, "default")), []string{GGUFKeyPre, "default"}},
		{"other pre", set(gguf.KVString(GGUFKeyPre, "qwen2")), []string{GGUFKeyPre, "qwen2"}},
		{"no tokens", drop(GGUFKeyTokens), []string{GGUFKeyTokens}},
		{"int tokens", set(gguf.KVInt32s(GGUFKeyTokens, []int32{1, 2})), []string{GGUFKeyTokens, "array of strings"}},
		{"types length", set(gguf.KVInt32s(GGUFKeyTokenType, types[:10])), []string{GGUFKeyTokenType, "10 entries"}},
		{"byte type", set(gguf.KVInt32s(GGUFKeyTokenType, withType(40, ggufByte))), []string{"token 40", "type 6"}},
		{"special not <|x|>", set(gguf.KVInt32s(GGUFKeyTokenType, withType(40, ggufControl))), []string{"token 40", "special"}},
		{"no merges", drop(GGUFKeyMerges), []string{GGUFKeyMerges, "missing"}},
		{"bad merge", set(gguf.KVStrings(GGUFKeyMerges, append([]string{"abc"}, merges...))), []string{GGUFKeyMerges, `"abc"`}},
		{"merge order", set(gguf.KVStrings(GGUFKeyMerges, swapped)), []string{GGUFKeyMerges, "rank order"}},
		{"missing special", set(gguf.KVStrings(GGUFKeyTokens, noEOT)), []string{GGUFKeyTokens, "<|eot|>"}},
		{"duplicate token", set(gguf.KVStrings(GGUFKeyTokens, dup)), []string{GGUFKeyTokens, "ids 300 and 301"}},
		{"bos out of range", set(gguf.KVUint32(GGUFKeyBOS, 1<<20)), []string{GGUFKeyBOS}},
	}
	// ollama writes pre "default" for Llama 4: accepted for a Llama 4 vocabulary.
	if _, err := FromGGUF(ggufFromKVs(t, set(gguf.KVString(GGUFKeyPre, "default")))); err != nil {
		t.Errorf("pre \"default\" with a Llama 4 vocabulary: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := FromGGUF(ggufFromKVs(t, c.kvs))
			if err == nil {
				t.Fatal("parsed")
			}
			for _, w := range append(c.want, "vocab.gguf") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
