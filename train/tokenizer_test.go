package train

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train/dataset"
)

// bpeTokenizer trains a small BPE on text.
func bpeTokenizer(t *testing.T, text string, ranks int) dataset.TextTokenizer {
	t.Helper()
	v, err := tokenizer.TrainBPE(text, ranks)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := v.Tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	return dataset.TextTokenizer{T: tk}
}

// bpeConfig is smallConfig with the vocabulary of tk.
func bpeConfig(t *testing.T, tk dataset.Tokenizer) *llama4.Config {
	c := smallConfig(t)
	c.VocabSize, c.BOS, c.EOS, c.Pad = tk.VocabSize(), int(tk.BOS()), []int{int(tk.EOS())}, int(tk.Pad())
	return c
}

// TestTextTokenizer checks the adapter: round trip, the byte lengths of the
// ids (which add up to the text), and the specials.
func TestTextTokenizer(t *testing.T) {
	tk := bpeTokenizer(t, corpus, 400)
	ids := tk.Encode(corpus)
	if got := tk.Decode(ids); got != corpus {
		t.Fatalf("round trip: %q", got)
	}
	n := 0
	for _, id := range ids {
		n += tk.TokenLen(id)
	}
	if n != len(corpus) || len(ids) >= utf8.RuneCountInString(corpus)/2 {
		t.Errorf("%d ids of %d bytes for %d bytes of text", len(ids), n, len(corpus))
	}
	if tk.VocabSize() != 400+tokenizer.NumSpecial || tk.BOS() != 400 || tk.EOS() != 401 || tk.Pad() != 418 || tk.TokenLen(tk.BOS()) != 0 {
		t.Errorf("vocab %d, specials %d %d %d", tk.VocabSize(), tk.BOS(), tk.EOS(), tk.Pad())
	}
	if got := tk.Encode("<|eot|>"); len(got) < 2 {
		t.Errorf("special-token names must be plain text, got ids %v", got)
	}
	if (dataset.ByteTokenizer{}).TokenLen('a') != 1 || (dataset.ByteTokenizer{}).TokenLen(dataset.ByteBOS) != 0 {
		t.Error("dataset.ByteTokenizer.TokenLen")
	}
}

// TestBitsPerByte checks that validation bits per byte are the total loss
// over the targets per byte of text: for the whole validation part exactly
// total nats / (ln 2 · ValBytes), and for a part of it per the bytes of the
// targets evaluated, the same for both tokenizers' definitions.
func TestBitsPerByte(t *testing.T) {
	text := strings.Repeat(corpus, 3)
	for _, tk := range []dataset.Tokenizer{dataset.ByteTokenizer{}, bpeTokenizer(t, text, 300)} {
		d, err := dataset.New([]byte(text), tk, 0.3)
		if err != nil {
			t.Fatal(err)
		}
		cfg := smallConfig(t)
		if _, ok := tk.(dataset.TextTokenizer); ok {
			cfg = bpeConfig(t, tk)
		}
		p, err := NewParams[float32](cfg)
		if err != nil {
			t.Fatal(err)
		}
		InitParams(p, 3, 0.5) // a far from uniform model
		for _, maxBatches := range []int{0, 1} {
			loss, bpb, err := EvaluateParams(p, d, 2, 16, maxBatches)
			if err != nil {
				t.Fatal(err)
			}
			targets, nbytes := 0, 0
			for _, b := range d.ValBatches(2, 16, maxBatches) {
				for _, y := range b.Targets {
					if y != dataset.IgnoreIndex {
						targets++
						nbytes += tk.(dataset.TokenByteCounter).TokenLen(y)
					}
				}
			}
			if maxBatches == 0 && (nbytes != d.ValBytes || targets != len(d.Val)-1) {
				t.Fatalf("%T: the whole validation part has %d targets of %d bytes, want %d of %d", tk, targets, nbytes, len(d.Val)-1, d.ValBytes)
			}
			want := loss * float64(targets) / (math.Ln2 * float64(nbytes))
			if math.Abs(bpb-want) > 1e-12*want {
				t.Errorf("%T, %d batches: %v bits per byte, want %v", tk, maxBatches, bpb, want)
			}
		}
	}
}
