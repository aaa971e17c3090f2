package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// errUnsupported is wrapped by errors about tokenizer.json features this
// package does not implement.
var errUnsupported = errors.New("unsupported tokenizer.json")

// hfFile is the part of a Hugging Face tokenizer.json that matters here.
type hfFile struct {
	AddedTokens  []hfAddedToken  `json:"added_tokens"`
	Normalizer   json.RawMessage `json:"normalizer"`
	PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	Decoder      json.RawMessage `json:"decoder"`
	Model        *hfModel        `json:"model"`
}

type hfAddedToken struct {
	ID      *int32 `json:"id"`
	Content string `json:"content"`
	Special bool   `json:"special"`
}

type hfModel struct {
	Type                    string           `json:"type"`
	Vocab                   map[string]int32 `json:"vocab"`
	Merges                  json.RawMessage  `json:"merges"`
	IgnoreMerges            bool             `json:"ignore_merges"`
	ByteFallback            bool             `json:"byte_fallback"`
	Dropout                 *float64         `json:"dropout"`
	ContinuingSubwordPrefix string           `json:"continuing_subword_prefix"`
	EndOfWordSuffix         string           `json:"end_of_word_suffix"`
}

// hfMerges decodes model.merges, stored either as ["left right", ...] or as
// [["left", "right"], ...].
func hfMerges(raw json.RawMessage) ([][2]string, error) {
	t := bytes.TrimLeft(raw, " \t\r\n")
	if len(t) == 0 || string(t) == "null" {
		return nil, nil
	}
	if t = bytes.TrimLeft(t[1:], " \t\r\n"); len(t) > 0 && t[0] == '"' {
		var lines []string
		if err := json.Unmarshal(raw, &lines); err != nil {
			return nil, fmt.Errorf("model.merges: %w", err)
		}
		pairs := make([][2]string, len(lines))
		for i, s := range lines {
			l, r, ok := strings.Cut(s, " ")
			if !ok || strings.Contains(r, " ") {
				return nil, fmt.Errorf("model.merges[%d] %q is not two tokens separated by one space: %w", i, s, errVocab)
			}
			pairs[i] = [2]string{l, r}
		}
		return pairs, nil
	}
	var pairs [][2]string
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, fmt.Errorf("model.merges: %w", err)
	}
	return pairs, nil
}

// hfType is the "type" field shared by pre-tokenizers and decoders.
type hfType struct {
	Type          string            `json:"type"`
	Pretokenizers []json.RawMessage `json:"pretokenizers"`
	Pattern       *struct {
		Regex  *string `json:"Regex"`
		String *string `json:"String"`
	} `json:"pattern"`
	Behavior       string `json:"behavior"`
	Invert         bool   `json:"invert"`
	AddPrefixSpace bool   `json:"add_prefix_space"`
	UseRegex       *bool  `json:"use_regex"`
}

// ParseHFJSON builds a tokenizer from a Hugging Face tokenizer.json as
// TikTokenConverter writes it for Llama 4: a byte-level BPE model with
// ignore_merges, merges in rank order, the O200K Split pre-tokenizer followed
// by ByteLevel, and the special tokens as added tokens. Anything else is
// rejected with an error that names it. The post-processor is not applied:
// Encode never adds <|begin_of_text|>.
func ParseHFJSON(data []byte) (*Tokenizer, error) {
	var f hfFile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	if f.Model == nil {
		return nil, fmt.Errorf("tokenizer.json: no model: %w", errVocab)
	}
	if err := checkHFPipeline(&f); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	ranked, err := hfVocab(f.Model)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	names := make([]string, 0, len(f.AddedTokens))
	ids := make([]int32, 0, len(f.AddedTokens))
	for _, a := range f.AddedTokens {
		if a.ID == nil {
			return nil, fmt.Errorf("tokenizer.json: added token %q has no id: %w", a.Content, errVocab)
		}
		if !a.Special {
			return nil, fmt.Errorf("tokenizer.json: added token %q is not special: %w", a.Content, errUnsupported)
		}
		if !validSpecialName(a.Content) {
			return nil, fmt.Errorf("tokenizer.json: added token %q is not of the form <|name|>: %w", a.Content, errUnsupported)
		}
		names = append(names, a.Content)
		ids = append(ids, *a.ID)
	}
	t, err := newTokenizer(ranked, names, ids)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	merges, err := hfMerges(f.Model.Merges)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	if err := checkHFMerges(t, merges); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	return t, nil
}

// checkHFPipeline accepts only the components whose behaviour Encode
// implements.
func checkHFPipeline(f *hfFile) error {
	m := f.Model
	switch {
	case m.Type != "BPE":
		return fmt.Errorf("model type %q: %w (want BPE)", m.Type, errUnsupported)
	case !m.IgnoreMerges:
		return fmt.Errorf("model.ignore_merges is false: %w (tiktoken semantics need true)", errUnsupported)
	case m.ByteFallback, m.Dropout != nil, m.ContinuingSubwordPrefix != "", m.EndOfWordSuffix != "":
		return fmt.Errorf("BPE options byte_fallback, dropout, continuing_subword_prefix or end_of_word_suffix: %w", errUnsupported)
	}
	if !isNull(f.Normalizer) {
		return fmt.Errorf("normalizer %s: %w", clip(f.Normalizer), errUnsupported)
	}
	if err := checkPreTokenizer(f.PreTokenizer); err != nil {
		return err
	}
	if !isNull(f.Decoder) {
		var d hfType
		if err := json.Unmarshal(f.Decoder, &d); err != nil {
			return fmt.Errorf("decoder: %w", err)
		}
		if d.Type != "ByteLevel" {
			return fmt.Errorf("decoder type %q: %w (want ByteLevel)", d.Type, errUnsupported)
		}
	}
	return nil
}

// checkPreTokenizer wants Sequence[Split(O200K, Isolated), ByteLevel without
// its own regex].
func checkPreTokenizer(raw json.RawMessage) error {
	var seq hfType
	if err := json.Unmarshal(raw, &seq); err != nil {
		return fmt.Errorf("pre_tokenizer: %w", err)
	}
	if seq.Type != "Sequence" {
		return fmt.Errorf("pre_tokenizer type %q: %w (want Sequence of Split and ByteLevel)", seq.Type, errUnsupported)
	}
	if len(seq.Pretokenizers) != 2 {
		return fmt.Errorf("pre_tokenizer Sequence has %d steps: %w (want Split, ByteLevel)", len(seq.Pretokenizers), errUnsupported)
	}
	var split, bl hfType
	if err := json.Unmarshal(seq.Pretokenizers[0], &split); err != nil {
		return fmt.Errorf("pre_tokenizer[0]: %w", err)
	}
	if err := json.Unmarshal(seq.Pretokenizers[1], &bl); err != nil {
		return fmt.Errorf("pre_tokenizer[1]: %w", err)
	}
	switch {
	case split.Type != "Split":
		return fmt.Errorf("pre_tokenizer[0] type %q: %w (want Split)", split.Type, errUnsupported)
	case split.Pattern == nil || split.Pattern.Regex == nil:
		return fmt.Errorf("pre_tokenizer[0]: Split without a Regex pattern: %w", errUnsupported)
	case *split.Pattern.Regex != Pattern:
		return fmt.Errorf("pre_tokenizer[0]: Split pattern %q is not the O200K pattern: %w", clip([]byte(*split.Pattern.Regex)), errUnsupported)
	case split.Behavior != "Isolated" || split.Invert:
		return fmt.Errorf("pre_tokenizer[0]: Split behavior %q invert %v: %w (want Isolated, false)", split.Behavior, split.Invert, errUnsupported)
	case bl.Type != "ByteLevel":
		return fmt.Errorf("pre_tokenizer[1] type %q: %w (want ByteLevel)", bl.Type, errUnsupported)
	case bl.AddPrefixSpace || bl.UseRegex == nil || *bl.UseRegex:
		return fmt.Errorf("pre_tokenizer[1]: ByteLevel must have add_prefix_space and use_regex false: %w", errUnsupported)
	}
	return nil
}

// hfVocab converts the byte-level vocabulary to raw bytes.
func hfVocab(m *hfModel) ([]vocabEntry, error) {
	if len(m.Vocab) == 0 {
		return nil, fmt.Errorf("model.vocab is empty: %w", errVocab)
	}
	ranked := make([]vocabEntry, 0, len(m.Vocab))
	for key, id := range m.Vocab {
		b, ok := fromByteLevel(key)
		if !ok {
			return nil, fmt.Errorf("vocab entry %q (id %d) is not byte-level text: %w", key, id, errVocab)
		}
		ranked = append(ranked, vocabEntry{b, id})
	}
	return ranked, nil
}

// checkHFMerges checks that the merges are the ones TikTokenConverter
// recovers from ranks: both parts and their concatenation are tokens, and the
// merges come in the order of the merged token's rank. Then merging by rank,
// as Encode does, gives the ids Hugging Face's BPE gives.
func checkHFMerges(t *Tokenizer, merges [][2]string) error {
	if len(merges) == 0 {
		return fmt.Errorf("model.merges is empty: %w", errVocab)
	}
	last := int32(-1)
	for i, m := range merges {
		l, okl := fromByteLevel(m[0])
		r, okr := fromByteLevel(m[1])
		if !okl || !okr {
			return fmt.Errorf("merge %d %q: not byte-level text: %w", i, m, errVocab)
		}
		rank := t.ranks.get(l + r)
		if t.ranks.get(l) == noRank || t.ranks.get(r) == noRank || rank == noRank {
			return fmt.Errorf("merge %d %q: a part or the result is not in the vocabulary: %w", i, m, errVocab)
		}
		if rank < last {
			return fmt.Errorf("merge %d %q: result rank %d after rank %d; merges must follow rank order: %w", i, m, rank, last, errUnsupported)
		}
		last = rank
	}
	return nil
}

// validSpecialName reports whether s can be found by findSpecial.
func validSpecialName(s string) bool {
	inner, ok := strings.CutPrefix(s, specialPrefix)
	if !ok || len(s) > maxSpecialBytes {
		return false
	}
	inner, ok = strings.CutSuffix(inner, specialSuffix)
	return ok && !strings.Contains(inner, specialSuffix)
}

// isNull reports whether a JSON field is absent or null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}
