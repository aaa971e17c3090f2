package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// BPEVocab is a byte-level BPE vocabulary trained by TrainBPE: the ranked
// tokens of a tiktoken file, in rank order. Ranks 0–255 are the single bytes
// in byte order (rank b is the byte b; Meta's and OpenAI's files order the
// bytes differently, which changes nothing but the ids); every later rank is
// the concatenation of two tokens of lower rank.
type BPEVocab struct {
	// Ranks[r] is the bytes of rank r.
	Ranks []string
	// Counts[r], for r ≥ 256, is how often the two adjacent tokens that make
	// rank r occurred in the training text when it was chosen (0 for bytes).
	Counts []int64
}

// TrainBPE learns a vocabulary of numRanks ranked tokens (at least 256) from
// text, the way the vocabularies Meta's tokenizer.py loads are built, so that
// Encode with the result gives exactly the tokens the trainer saw:
//
//  1. text is cut into pre-tokens exactly as Encode cuts it (invalid UTF-8
//     replaced, Meta's slice limits, the O200K pre-tokenizer Pattern); the
//     distinct pre-tokens ("words") are counted;
//  2. every word starts as its bytes (ranks 0–255);
//  3. each step takes the byte string s of two adjacent tokens that occurs
//     most often over all words (weighted by word count; ties go to the
//     lexicographically smallest s, so the result is deterministic), makes
//     it the next rank, and re-encodes the words that hold it.
//
// A candidate is the concatenation of two adjacent tokens, counted over every
// split that gives it, and a word is re-encoded by continuing tiktoken's own
// merge (lowest rank first, leftmost on ties) with the new rank, which is the
// same as encoding it afresh: a new rank is larger than every other, so it
// only acts once the old merge has stopped. A word that is itself a token
// becomes that token, as Encode's whole-piece rule does. So the trainer's
// words are always their Encode of the current ranks; the tests check this.
//
// Pair counts are kept incrementally (only the words holding the chosen
// string are re-encoded) in a lazily updated max-heap, so thousands of merges
// over a megabyte of text take about a second. Training stops early, with
// fewer ranks, when no two adjacent tokens are left.
func TrainBPE(text string, numRanks int) (*BPEVocab, error) {
	v, _, err := trainBPE(text, numRanks)
	return v, err
}

// Tiktoken returns the vocabulary as a tiktoken file (tokenizer.model): one
// "base64(bytes) rank" line per rank, which ParseTiktoken and Load read.
func (v *BPEVocab) Tiktoken() []byte {
	var b bytes.Buffer
	v.WriteTiktoken(&b) // a bytes.Buffer does not fail
	return b.Bytes()
}

// WriteTiktoken writes the tiktoken file of the vocabulary to w.
func (v *BPEVocab) WriteTiktoken(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var line []byte
	for r, s := range v.Ranks {
		line = base64.StdEncoding.AppendEncode(line[:0], []byte(s))
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(r), 10)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Tokenizer returns the Llama 4 tokenizer of the vocabulary: its ranks
// followed by the 2048 Llama 4 special tokens, exactly as ParseTiktoken
// loads the file Tiktoken writes.
func (v *BPEVocab) Tokenizer() (*Tokenizer, error) {
	return ParseTiktoken(v.Tiktoken())
}

// forEachPiece calls fn with each pre-token of text, cut exactly as
// AppendEncode cuts text without special tokens.
func forEachPiece(text string, fn func(piece string)) {
	if !utf8.ValidString(text) {
		text = ReplaceInvalid(text)
	}
	initBMP()
	for len(text) > 0 {
		chunk := text
		if len(text) > maxEncodeChars {
			chunk = text[:runeOffset(text, maxEncodeChars)]
		}
		text = text[len(chunk):]
		for len(chunk) > 0 {
			slice := chunk[:runCut(chunk)]
			chunk = chunk[len(slice):]
			splitPieces(slice, fn)
		}
	}
}

// trainBPE is TrainBPE, also returning the trainer's final state for tests.
func trainBPE(text string, numRanks int) (*BPEVocab, *bpeTrainer, error) {
	if numRanks < 256 {
		return nil, nil, fmt.Errorf("tokenizer: a byte-level BPE needs at least 256 ranks, not %d", numRanks)
	}
	t := newBPETrainer(text)
	for len(t.tokens) < numRanks && t.step() {
	}
	return &BPEVocab{Ranks: t.tokens, Counts: t.counts}, t, nil
}
