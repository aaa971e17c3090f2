package promptguard

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestUnigramGoldens compares token ids with the reference SentencePiece
// (python3-sentencepiece 0.1.97, EncodeAsIds) on a varied string set: empty
// and space-only input, extra and exotic whitespace, NFKC rewrites
// (fullwidth, ligatures, combining accents), many scripts, emoji, runs of
// unknown characters and a user-defined piece (testdata/tiny/README.md).
func TestUnigramGoldens(t *testing.T) {
	u := tinyUnigram(t)
	var g struct {
		Cases []struct {
			Text string  `json:"text"`
			IDs  []int32 `json:"ids"`
		} `json:"cases"`
	}
	b, err := os.ReadFile(filepath.Join("testdata", "tiny", "tokenizer_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) < 20 || u.VocabSize() != 400 {
		t.Fatalf("%d cases, vocabulary %d", len(g.Cases), u.VocabSize())
	}
	for _, c := range g.Cases {
		got := u.Encode(c.Text)
		if len(got) == 0 && len(c.IDs) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.IDs) {
			t.Errorf("Encode(%q)\n got %v\nwant %v", c.Text, got, c.IDs)
		}
	}
}

func TestUnigramErrors(t *testing.T) {
	for _, tc := range []struct {
		data []byte
		err  string
	}{
		{nil, "no pieces"},
		{[]byte{0x0a, 0x05, 0x0a}, "not a SentencePiece model"},
		{[]byte{0x12, 0x02, 0x18, 0x02}, "not unigram"},
	} {
		if _, err := ParseUnigram(tc.data); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%x: %v, want %q", tc.data, err, tc.err)
		}
	}
}

// tinyUnigram loads the tiny test model's tokenizer, testdata/tiny/spm.model.
func tinyUnigram(t *testing.T) *Unigram {
	t.Helper()
	u, err := LoadUnigram(filepath.Join("testdata", "tiny", "spm.model"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}
