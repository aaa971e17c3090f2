package tokenizer

import (
	"bufio"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"unicode/utf8"
)

// goldenRecord is one line of testdata/golden.jsonl.gz, written by
// tools/tokgold/gold.mjs with the reference tiktoken.
type goldenRecord struct {
	N       int     `json:"n"`
	Kind    string  `json:"kind"`
	Text    *string `json:"text"`
	Bytes   string  `json:"bytes"` // base64 of input that is not valid UTF-8
	Special bool    `json:"special"`
	IDs     []int32 `json:"ids"`
}

// input returns the string to encode.
func (r *goldenRecord) input() string {
	if r.Text != nil {
		return *r.Text
	}
	b, _ := base64.StdEncoding.DecodeString(r.Bytes)
	return string(b)
}

// readGolden returns the golden records.
func readGolden(tb testing.TB) []goldenRecord {
	tb.Helper()
	f, err := os.Open("testdata/golden.jsonl.gz")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(z)
	sc.Buffer(nil, 16<<20)
	var recs []goldenRecord
	for line := 1; sc.Scan(); line++ {
		if line == 1 {
			continue // header
		}
		var r goldenRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatalf("golden line %d: %v", line, err)
		}
		if r.Text == nil && r.Bytes == "" {
			tb.Fatalf("golden line %d has no input", line)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return recs
}

// checkGolden encodes every golden input with tok and counts mismatches.
func checkGolden(t *testing.T, tok *Tokenizer, recs []goldenRecord) {
	t.Helper()
	bad := 0
	kinds := map[string]int{}
	for _, r := range recs {
		in := r.input()
		kinds[r.Kind]++
		got := tok.Encode(in, r.Special)
		if !slices.Equal(got, r.IDs) {
			bad++
			if bad <= 5 {
				i := 0
				for i < min(len(got), len(r.IDs)) && got[i] == r.IDs[i] {
					i++
				}
				t.Errorf("record %d (%s, %d bytes): ids differ at %d: got %v… want %v…", r.N, r.Kind, len(in),
					i, got[i:min(len(got), i+8)], r.IDs[i:min(len(r.IDs), i+8)])
			}
			continue
		}
		want := in
		if !utf8.ValidString(in) {
			want = ReplaceInvalid(in)
		}
		if back := tok.Decode(got, false); back != want {
			bad++
			t.Errorf("record %d (%s): Decode(Encode(s)) != s", r.N, r.Kind)
		}
	}
	t.Logf("%d golden strings, %d mismatches; by kind: %v", len(recs), bad, kinds)
}

// TestGolden is the differential test against the reference tiktoken.
func TestGolden(t *testing.T) {
	tok := realTokenizer(t)
	recs := readGolden(t)
	if len(recs) < 10000 {
		t.Fatalf("only %d golden records", len(recs))
	}
	checkGolden(t, tok, recs)
}
