package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// Tokenizer is the seam between training and tokenization: text to ids and
// back, plus the special ids written into the model's config.json. The
// Llama 4-format BPE that herd trains itself (package tokenizer) plugs in
// here; ByteTokenizer is the stop-gap for experiments.
type Tokenizer interface {
	Encode(text string) []int32
	Decode(ids []int32) string
	VocabSize() int
	BOS() int32 // begins every document
	EOS() int32
	Pad() int32 // never trained on: its embedding row gets no gradient
}

// ByteTokenizer maps each byte to its own id (0…255) and adds three
// specials: 256 <|begin_of_text|>, 257 <|end_of_text|>, 258 pad. It is an
// explicit, temporary option (herd train --tokenizer bytes), not the
// intended design: models trained with it are not Llama 4 tokenizer
// compatible.
type ByteTokenizer struct{}

// Byte tokenizer special ids.
const (
	ByteBOS = 256
	ByteEOS = 257
	BytePad = 258
)

// Encode returns the bytes of text as ids.
func (ByteTokenizer) Encode(text string) []int32 {
	ids := make([]int32, len(text))
	for i := 0; i < len(text); i++ {
		ids[i] = int32(text[i])
	}
	return ids
}

// Decode returns the bytes of the byte ids; specials are dropped.
func (ByteTokenizer) Decode(ids []int32) string {
	b := make([]byte, 0, len(ids))
	for _, id := range ids {
		if id >= 0 && id < 256 {
			b = append(b, byte(id))
		}
	}
	return string(b)
}

// VocabSize is 259: 256 bytes and 3 specials.
func (ByteTokenizer) VocabSize() int { return 259 }

// BOS is 256.
func (ByteTokenizer) BOS() int32 { return ByteBOS }

// EOS is 257.
func (ByteTokenizer) EOS() int32 { return ByteEOS }

// Pad is 258.
func (ByteTokenizer) Pad() int32 { return BytePad }

// Dataset is a tokenized text split into a training part and a validation
// part (the end of the text).
type Dataset struct {
	Train, Val           []int32 // token ids, each part beginning with BOS
	TrainBytes, ValBytes int     // bytes of text in each part
	BOS                  int32
	// TokenBytes[id] is the number of text bytes token id stands for, when
	// the tokenizer says (a TokenByteCounter); nil otherwise. Validation
	// bits per byte divide by the bytes of the targets evaluated.
	TokenBytes []int32
	// DocStarts are the indices in Train where documents begin
	// (NewDocuments); nil when the text is one stream.
	DocStarts []int

	long map[int][]int // per row length T: the documents of at least T+1 tokens
}

// TokenByteCounter is implemented by tokenizers whose every id stands for a
// fixed byte string (byte-level BPE, ByteTokenizer): TokenLen is its length,
// 0 for special tokens. Datasets of such tokenizers measure validation bits
// per byte exactly, on whatever part of the validation text is evaluated.
type TokenByteCounter interface {
	TokenLen(id int32) int
}

// SplitText cuts text into its training part and its last valFrac (by
// bytes, moved back to a UTF-8 character boundary) for validation, the
// split New uses. A tokenizer trained for a run sees only the
// training part.
func SplitText(text []byte, valFrac float64) (trainPart, valPart []byte, err error) {
	if !(valFrac >= 0 && valFrac < 1) {
		return nil, nil, fmt.Errorf("dataset: validation fraction %g must be in [0, 1)", valFrac)
	}
	cut := len(text) - int(float64(len(text))*valFrac)
	for cut > 0 && cut < len(text) && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut], text[cut:], nil
}

// New tokenizes text, holding out its last valFrac for
// validation (see SplitText).
func New(text []byte, tok Tokenizer, valFrac float64) (*Dataset, error) {
	tp, vp, err := SplitText(text, valFrac)
	if err != nil {
		return nil, err
	}
	bos := tok.BOS()
	d := &Dataset{BOS: bos, TrainBytes: len(tp), ValBytes: len(vp)}
	d.Train = append([]int32{bos}, tok.Encode(string(tp))...)
	if d.ValBytes > 0 {
		d.Val = append([]int32{bos}, tok.Encode(string(vp))...)
	}
	if bc, ok := tok.(TokenByteCounter); ok {
		d.TokenBytes = make([]int32, tok.VocabSize())
		for id := range d.TokenBytes {
			d.TokenBytes[id] = int32(bc.TokenLen(int32(id)))
		}
	}
	return d, nil
}

// NewDocuments is New for a text of documents separated by sep: each
// non-empty document is tokenized on its own and begins with BOS (so a run
// with the document mask, train.Options.DocMask, keeps them apart). The
// last documents, about valFrac of the documents' bytes, are the
// validation part. Separators are not tokens; the parts' byte counts are
// their documents'.
func NewDocuments(text []byte, tok Tokenizer, valFrac float64, sep string) (*Dataset, error) {
	if sep == "" {
		return nil, fmt.Errorf("dataset: empty document separator")
	}
	if !(valFrac >= 0 && valFrac < 1) {
		return nil, fmt.Errorf("dataset: validation fraction %g must be in [0, 1)", valFrac)
	}
	var docs []string
	total := 0
	for _, doc := range strings.Split(string(text), sep) {
		if doc != "" {
			docs = append(docs, doc)
			total += len(doc)
		}
	}
	cut, valBytes := len(docs), 0
	for cut > 1 && float64(valBytes+len(docs[cut-1])) <= valFrac*float64(total) {
		cut--
		valBytes += len(docs[cut])
	}
	if cut == len(docs) && valFrac > 0 && cut > 1 {
		return nil, fmt.Errorf("dataset: the last document (%d bytes) is more than --val-frac %g of the %d bytes of documents", len(docs[cut-1]), valFrac, total)
	}
	if cut == 0 {
		return nil, fmt.Errorf("dataset: no documents separated by %q", sep)
	}
	d := &Dataset{BOS: tok.BOS(), TrainBytes: total - valBytes, ValBytes: valBytes}
	for i, doc := range docs {
		ids := append([]int32{d.BOS}, tok.Encode(doc)...)
		if i < cut {
			d.DocStarts = append(d.DocStarts, len(d.Train))
			d.Train = append(d.Train, ids...)
		} else {
			d.Val = append(d.Val, ids...)
		}
	}
	if bc, ok := tok.(TokenByteCounter); ok {
		d.TokenBytes = make([]int32, tok.VocabSize())
		for id := range d.TokenBytes {
			d.TokenBytes[id] = int32(bc.TokenLen(int32(id)))
		}
	}
	return d, nil
}

// TargetBytes returns the text bytes that the valid targets stand for, or
// -1 when the dataset does not know its tokens' lengths.
func (d *Dataset) TargetBytes(targets []int32) int64 {
	if d.TokenBytes == nil {
		return -1
	}
	var n int64
	for _, id := range targets {
		if id >= 0 && int(id) < len(d.TokenBytes) {
			n += int64(d.TokenBytes[id])
		}
	}
	return n
}

// Fingerprint identifies the dataset's tokens, so a resumed run can refuse
// different data.
func (d *Dataset) Fingerprint() string {
	h := sha256.New()
	var b [4]byte
	for _, part := range [][]int32{d.Train, {-1}, d.Val} {
		for _, id := range part {
			binary.LittleEndian.PutUint32(b[:], uint32(id))
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Sample fills b with B rows of T tokens from the training part, each a
// window starting at a uniformly random position drawn from r, with the
// window shifted by one as targets, and records the windows' starts in
// b.Starts.
func (d *Dataset) Sample(r *rand.Rand, b *Batch) error { return d.SampleMix(r, b, 0) }

// SampleMix is Sample that draws each row, with probability longFrac, from
// inside one long document instead: a document (DocStarts) of at least T+1
// tokens, chosen uniformly, at a uniform offset, so the row is one
// document's text. The other rows are windows of the packed stream, which
// hold several short documents. With longFrac 0, or no document long
// enough, it draws exactly as Sample.
func (d *Dataset) SampleMix(r *rand.Rand, b *Batch, longFrac float64) error {
	T := b.T
	if len(d.Train) < T+1 {
		return fmt.Errorf("dataset: the training text has %d tokens, fewer than sequence length %d + 1", len(d.Train), T)
	}
	if len(b.Starts) != b.B {
		b.Starts = make([]int, b.B)
	}
	long := d.longDocs(T, longFrac)
	for row := 0; row < b.B; row++ {
		var s int
		if len(long) > 0 && r.Float64() < longFrac {
			k := long[r.IntN(len(long))]
			s = d.DocStarts[k] + r.IntN(d.docLen(k)-T)
		} else {
			s = r.IntN(len(d.Train) - T)
		}
		b.Starts[row] = s
		copy(b.Inputs[row*T:(row+1)*T], d.Train[s:s+T])
		copy(b.Targets[row*T:(row+1)*T], d.Train[s+1:s+T+1])
	}
	return nil
}

// longDocs lists the documents of at least T+1 tokens (none when longFrac
// is 0).
func (d *Dataset) longDocs(T int, longFrac float64) []int {
	if longFrac <= 0 || d.DocStarts == nil {
		return nil
	}
	if l, ok := d.long[T]; ok {
		return l
	}
	var l []int
	for k := range d.DocStarts {
		if d.docLen(k) >= T+1 {
			l = append(l, k)
		}
	}
	if d.long == nil {
		d.long = map[int][]int{}
	}
	d.long[T] = l
	return l
}

// docLen is the number of tokens of training document k.
func (d *Dataset) docLen(k int) int {
	if k+1 < len(d.DocStarts) {
		return d.DocStarts[k+1] - d.DocStarts[k]
	}
	return len(d.Train) - d.DocStarts[k]
}

// ValBatches cuts the validation part into consecutive windows of T tokens
// (targets shifted by one), B per batch, at most maxBatches batches (0: all).
// Rows past the end have only ignored targets.
func (d *Dataset) ValBatches(B, T, maxBatches int) []*Batch {
	var out []*Batch
	pos := 0
	for pos+1 < len(d.Val) && (maxBatches <= 0 || len(out) < maxBatches) {
		b := NewBatch(B, T)
		for row := 0; row < B; row++ {
			in, tg := b.Inputs[row*T:(row+1)*T], b.Targets[row*T:(row+1)*T]
			for t := range in {
				in[t], tg[t] = d.BOS, IgnoreIndex
			}
			n := min(T, len(d.Val)-1-pos)
			if n > 0 {
				copy(in, d.Val[pos:pos+n])
				copy(tg, d.Val[pos+1:pos+n+1])
				pos += n
			}
		}
		out = append(out, b)
	}
	return out
}

// NewBatch allocates a B×T batch.
func NewBatch(B, T int) *Batch {
	return &Batch{B: B, T: T, Inputs: make([]int32, B*T), Targets: make([]int32, B*T)}
}
