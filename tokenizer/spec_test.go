package tokenizer

import (
	"slices"
	"testing"
)

// specVectors are the verified id vectors of spec §4.5.
var specVectors = []struct {
	text         string
	allowSpecial bool
	ids          []int32
}{
	{"<|begin_of_text|>Hello,", true, []int32{200000, 19873, 24}},
	{"Hello there", false, []int32{19873, 1609}},
	{"Hello, world!", false, []int32{19873, 24, 3817, 13}},
	{"Roses are red,", false, []int32{62, 19441, 583, 4242, 24}},
	{"The quick brown fox jumps over the lazy dog.", false, []int32{954, 7202, 27756, 92637, 67072, 1278, 290, 37463, 10877, 26}},
	{"I'm don't WE'LL", false, []int32{23752, 5863, 39986, 19, 10962}},
	{"  leading spaces and 12345 numbers\n\nnew para", false, []int32{220, 10855, 15174, 341, 220, 7235, 2127, 4428, 368, 1590, 1233}},
	{"def f(x):\n    return x*2\n", false, []int32{1251, 288, 2595, 1960, 277, 677, 831, 22, 30, 198}},
	{"こんにちは世界", false, []int32{4310, 7293, 1872, 11980, 2301, 14287}},
	{"$3.14 costs 100%!", false, []int32{16, 31, 26, 981, 7662, 220, 1135, 17, 13}},
	{"user", false, []int32{1556}},
	{"assistant", false, []int32{140680}},
	{"system", false, []int32{15651}},
	{"ipython", false, []int32{607, 6934}},
	{"\n\n", false, []int32{368}},
	{"<|header_start|>user<|header_end|>\n\nWho are you?<|eot|><|header_start|>assistant<|header_end|>\n\n", true,
		[]int32{200005, 1556, 200006, 368, 33267, 583, 650, 43, 200008, 200005, 140680, 200006, 368}},
	{"<|begin_of_text|><|header_start|>system<|header_end|>\n\nYou are a helpful assistant<|eot|><|header_start|>user<|header_end|>\n\nWhat is the capital of France?<|eot|><|header_start|>assistant<|header_end|>\n\n", true,
		[]int32{200000, 200005, 15651, 200006, 368, 4662, 583, 262, 19933, 43910, 200008, 200005, 1556, 200006, 368, 3668, 373, 290, 7963, 323, 11698, 43, 200008, 200005, 140680, 200006, 368}},
}

func TestSpecVectors(t *testing.T) {
	tok := realTokenizer(t)
	for _, v := range specVectors {
		got := tok.Encode(v.text, v.allowSpecial)
		if !slices.Equal(got, v.ids) {
			t.Errorf("Encode(%q, %v)\n got %v\nwant %v", v.text, v.allowSpecial, got, v.ids)
		}
		if back := tok.Decode(got, false); back != v.text {
			t.Errorf("Decode(Encode(%q)) = %q", v.text, back)
		}
	}
}

func TestRealVocabularyShape(t *testing.T) {
	tok := realTokenizer(t)
	if got := tok.VocabSize(); got != 202048 {
		t.Errorf("VocabSize = %d, want 202048", got)
	}
	ids := map[string]int32{
		"!": 13, " ": 220, "\n": 198,
		BeginOfText: 200000, EndOfText: 200001, HeaderStart: 200005, HeaderEnd: 200006,
		EndOfMessage: 200007, EndOfTurn: 200008, PythonStart: 200016, PythonEnd: 200017,
		FinetunePad: 200018, ImageStart: 200080, ImageEnd: 200081, TileXSeparator: 200084,
		TileYSeparator: 200085, Image: 200090, Patch: 200092,
		"<|vision_reserved_special_token_1047|>": 201133, ThinkingStart: 201142, ThinkingEnd: 201143,
		"<|reserved_special_token_0|>": 201144, "<|reserved_special_token_903|>": 202047,
	}
	for name, want := range ids {
		if got, ok := tok.TokenID(name); !ok || got != want {
			t.Errorf("TokenID(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
	if b, _ := tok.TokenBytes(0); b != "\xc0" {
		t.Errorf("TokenBytes(0) = %q, want \\xc0", b)
	}
	for _, c := range []struct {
		id   int32
		want bool
	}{{0, false}, {199999, false}, {200000, true}, {202047, true}, {202048, false}, {-1, false}} {
		if got := tok.IsSpecial(c.id); got != c.want {
			t.Errorf("IsSpecial(%d) = %v", c.id, got)
		}
	}
	if tok.BOS() != 200000 || tok.EOS() != 200001 || tok.EOT() != 200008 || tok.EOM() != 200007 || tok.Pad() != 200018 {
		t.Errorf("BOS/EOS/EOT/EOM/Pad = %d/%d/%d/%d/%d", tok.BOS(), tok.EOS(), tok.EOT(), tok.EOM(), tok.Pad())
	}
	if !slices.Equal(tok.StopTokens(), []int32{200001, 200007, 200008}) {
		t.Errorf("StopTokens = %v", tok.StopTokens())
	}
}

func TestSpecialsAsText(t *testing.T) {
	tok := realTokenizer(t)
	with := tok.Encode("a<|eot|>b", true)
	if !slices.Contains(with, 200008) {
		t.Errorf("allowSpecial: %v lacks 200008", with)
	}
	without := tok.Encode("a<|eot|>b", false)
	for _, id := range without {
		if tok.IsSpecial(id) {
			t.Errorf("without allowSpecial: %v holds special %d", without, id)
		}
	}
	if got := tok.Decode(without, false); got != "a<|eot|>b" {
		t.Errorf("decode = %q", got)
	}
	if got := tok.Decode(with, true); got != "ab" {
		t.Errorf("decode skipping specials = %q", got)
	}
	// A near-miss name is text even when specials are allowed.
	if ids := tok.Encode("<|eot|<|not_a_token|>", true); slices.ContainsFunc(ids, tok.IsSpecial) {
		t.Errorf("near-miss names gave specials: %v", ids)
	}
}

// TestCaseFoldedContraction: (?i:'s) matches "'ſ" under Unicode case folding,
// which is visible through the one vocabulary token ending in an apostrophe
// (" I'", 5384). The ids are the reference tiktoken's.
func TestCaseFoldedContraction(t *testing.T) {
	tok := realTokenizer(t)
	for _, c := range []struct {
		text string
		ids  []int32
	}{
		{" I'ſ", []int32{5384, 129813}},
		{" I'ſt", []int32{5384, 129813, 96}},
		{" I's", []int32{372, 948}},
		{" I'x", []int32{372, 152073}},
	} {
		if got := tok.Encode(c.text, false); !slices.Equal(got, c.ids) {
			t.Errorf("Encode(%q) = %v, want %v", c.text, got, c.ids)
		}
	}
}
