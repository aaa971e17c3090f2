package promptguard

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"unicode/utf8"
)

// Piece types of a SentencePiece model.
const (
	pieceNormal      = 1
	pieceUnknown     = 2
	pieceControl     = 3
	pieceUserDefined = 4
	pieceUnused      = 5
	pieceByte        = 6
)

// Unigram is a SentencePiece unigram tokenizer (the spm.model of DeBERTa-v3
// and Prompt Guard): the model's normalizer (precompiled character map,
// dummy prefix, whitespace handling) and Viterbi segmentation over the
// pieces' scores, as SentencePiece's EncodeAsIds computes it.
type Unigram struct {
	pieces       []string
	scores       []float32
	types        []int
	index        map[string]int32
	maxLen       int // longest piece, in bytes
	unk          int32
	minScore     float32
	maxScore     float32
	byteFallback bool
	norm         normalizer
}

// LoadUnigram reads a SentencePiece model file.
func LoadUnigram(path string) (*Unigram, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("promptguard: %w", err)
	}
	return ParseUnigram(b)
}

// ParseUnigram parses a SentencePiece ModelProto of a unigram model.
func ParseUnigram(b []byte) (*Unigram, error) {
	u := &Unigram{index: map[string]int32{}, unk: -1, norm: normalizer{dummyPrefix: true, removeExtra: true, escape: true}}
	modelType := 1
	err := walkProto(b, func(field int, wire int, v uint64, data []byte) error {
		switch field {
		case 1: // pieces
			var piece string
			var score float32
			typ := pieceNormal
			if err := walkProto(data, func(f, w int, v uint64, d []byte) error {
				switch f {
				case 1:
					piece = string(d)
				case 2:
					score = math.Float32frombits(uint32(v))
				case 3:
					typ = int(v)
				}
				return nil
			}); err != nil {
				return err
			}
			u.pieces = append(u.pieces, piece)
			u.scores = append(u.scores, score)
			u.types = append(u.types, typ)
		case 2: // trainer_spec
			return walkProto(data, func(f, w int, v uint64, d []byte) error {
				switch f {
				case 3:
					modelType = int(v)
				case 35:
					u.byteFallback = v != 0
				}
				return nil
			})
		case 3: // normalizer_spec
			return walkProto(data, func(f, w int, v uint64, d []byte) error {
				switch f {
				case 2:
					u.norm.charsmap = append([]byte(nil), d...)
				case 3:
					u.norm.dummyPrefix = v != 0
				case 4:
					u.norm.removeExtra = v != 0
				case 5:
					u.norm.escape = v != 0
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("promptguard: not a SentencePiece model: %w", err)
	}
	if modelType != 1 {
		return nil, fmt.Errorf("promptguard: SentencePiece model type %d is not unigram (1)", modelType)
	}
	if len(u.pieces) == 0 {
		return nil, errors.New("promptguard: the SentencePiece model has no pieces")
	}
	if err := u.norm.init(); err != nil {
		return nil, err
	}
	u.finish()
	if u.unk < 0 {
		return nil, errors.New("promptguard: the SentencePiece model has no unknown piece")
	}
	return u, nil
}

// finish indexes the pieces and finds the unknown piece and the score
// range of normal pieces.
func (u *Unigram) finish() {
	u.minScore, u.maxScore = float32(math.Inf(1)), float32(math.Inf(-1))
	for i, p := range u.pieces {
		switch u.types[i] {
		case pieceUnknown:
			u.unk = int32(i)
		case pieceNormal:
			u.minScore = min(u.minScore, u.scores[i])
			u.maxScore = max(u.maxScore, u.scores[i])
		}
		if u.types[i] == pieceNormal || u.types[i] == pieceUserDefined || u.types[i] == pieceUnused {
			if _, dup := u.index[p]; !dup {
				u.index[p] = int32(i)
			}
			u.maxLen = max(u.maxLen, len(p))
		}
	}
}

// VocabSize is the number of pieces.
func (u *Unigram) VocabSize() int { return len(u.pieces) }

// Piece returns the text of id.
func (u *Unigram) Piece(id int32) string { return u.pieces[id] }

// Encode normalizes text and segments it into the most likely pieces;
// consecutive unknown characters become one unknown id (or, with byte
// fallback, their bytes' pieces).
func (u *Unigram) Encode(text string) []int32 {
	s := u.norm.normalize(text)
	type best struct {
		score float32
		from  int
		id    int32
		set   bool
	}
	dp := make([]best, len(s)+1)
	dp[0].set = true
	unkScore := u.minScore - 10
	for start := 0; start < len(s); {
		_, mb := utf8.DecodeRuneInString(s[start:])
		base := dp[start].score
		single := false
		for end := start + 1; end <= len(s) && end-start <= u.maxLen; end++ {
			id, ok := u.index[s[start:end]]
			if !ok || u.types[id] == pieceUnused {
				continue
			}
			score := u.scores[id]
			if u.types[id] == pieceUserDefined {
				score = float32(end-start)*u.maxScore - 0.1
			}
			if c := base + score; !dp[end].set || c > dp[end].score {
				dp[end] = best{score: c, from: start, id: id, set: true}
			}
			if end-start == mb {
				single = true
			}
		}
		if !single {
			end := start + mb
			if c := base + unkScore; !dp[end].set || c > dp[end].score {
				dp[end] = best{score: c, from: start, id: u.unk, set: true}
			}
		}
		start += mb
	}
	var rev []int32
	var spans [][2]int
	for end := len(s); end > 0; end = dp[end].from {
		rev = append(rev, dp[end].id)
		spans = append(spans, [2]int{dp[end].from, end})
	}
	var out []int32
	for i := len(rev) - 1; i >= 0; i-- {
		id := rev[i]
		if id != u.unk {
			out = append(out, id)
			continue
		}
		if u.byteFallback {
			for _, b := range []byte(s[spans[i][0]:spans[i][1]]) {
				if bid, ok := u.bytePiece(b); ok {
					out = append(out, bid)
				} else {
					out = append(out, u.unk)
				}
			}
			continue
		}
		if len(out) > 0 && out[len(out)-1] == u.unk && i+1 < len(rev) && rev[i+1] == u.unk {
			continue // a run of unknown characters is one unknown piece
		}
		out = append(out, id)
	}
	return out
}

// bytePiece finds the <0xXX> piece of a byte.
func (u *Unigram) bytePiece(b byte) (int32, bool) {
	name := fmt.Sprintf("<0x%02X>", b)
	for i, p := range u.pieces {
		if u.types[i] == pieceByte && p == name {
			return int32(i), true
		}
	}
	return 0, false
}

// walkProto calls fn for each field of a protobuf message: varints and
// fixed32/64 values in v, length-delimited bytes in data.
func walkProto(b []byte, fn func(field, wire int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad field key")
		}
		b = b[n:]
		field, wire := int(key>>3), int(key&7)
		var v uint64
		var data []byte
		switch wire {
		case 0:
			v, n = binary.Uvarint(b)
			if n <= 0 {
				return errors.New("bad varint")
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return errors.New("short fixed64")
			}
			v, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return errors.New("bad length")
			}
			data, b = b[n:n+int(l)], b[n+int(l):]
		case 5:
			if len(b) < 4 {
				return errors.New("short fixed32")
			}
			v, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			return fmt.Errorf("unsupported wire type %d", wire)
		}
		if err := fn(field, wire, v, data); err != nil {
			return err
		}
	}
	return nil
}
