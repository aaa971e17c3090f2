package promptguard

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// IsPromptGuard reports whether dir holds a DeBERTa-v2 classifier
// (config.json with model_type deberta-v2).
func IsPromptGuard(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return false
	}
	var c struct {
		ModelType string `json:"model_type"`
	}
	return json.Unmarshal(b, &c) == nil && c.ModelType == "deberta-v2"
}

// LoadClassifier loads a Prompt Guard directory: config.json, safetensors
// weights and the tokenizer (spm.model, else tokenizer.json), checking that
// the tokenizer fits the model.
func LoadClassifier(dir string) (*Classifier, error) {
	m, err := Load(dir)
	if err != nil {
		return nil, err
	}
	var tok *Unigram
	if _, err := os.Stat(filepath.Join(dir, "spm.model")); err == nil {
		tok, err = LoadUnigram(filepath.Join(dir, "spm.model"))
		if err != nil {
			return nil, err
		}
	} else {
		b, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
		if err != nil {
			return nil, fmt.Errorf("promptguard: %s has neither spm.model nor tokenizer.json", dir)
		}
		if tok, err = ParseTokenizerJSON(b); err != nil {
			return nil, err
		}
	}
	if tok.VocabSize() > m.Config.VocabSize {
		return nil, fmt.Errorf("promptguard: the tokenizer has %d pieces but the model only %d (vocab_size): wrong vocabulary", tok.VocabSize(), m.Config.VocabSize)
	}
	return &Classifier{Model: m, Tok: tok}, nil
}

// ParseTokenizerJSON reads a Hugging Face tokenizer.json whose model is a
// Unigram converted from SentencePiece (DeBERTa-v3's): the pieces and
// scores, the unknown id, the Precompiled normalizer's character map, and
// the added tokens (special ones are control pieces). Whitespace is handled
// as SentencePiece's defaults do (the Metaspace pre-tokenizer with a prefix
// space), which is what such a conversion encodes.
func ParseTokenizerJSON(b []byte) (*Unigram, error) {
	var tj struct {
		Model struct {
			Type         string            `json:"type"`
			UnkID        *int              `json:"unk_id"`
			Vocab        []json.RawMessage `json:"vocab"`
			ByteFallback bool              `json:"byte_fallback"`
		} `json:"model"`
		Normalizer  json.RawMessage `json:"normalizer"`
		AddedTokens []struct {
			ID      int    `json:"id"`
			Content string `json:"content"`
			Special bool   `json:"special"`
		} `json:"added_tokens"`
	}
	if err := json.Unmarshal(b, &tj); err != nil {
		return nil, fmt.Errorf("promptguard: tokenizer.json: %w", err)
	}
	if tj.Model.Type != "Unigram" {
		return nil, fmt.Errorf("promptguard: tokenizer.json model type %q is not Unigram", tj.Model.Type)
	}
	if tj.Model.UnkID == nil {
		return nil, errors.New("promptguard: tokenizer.json has no unk_id")
	}
	u := &Unigram{index: map[string]int32{}, unk: int32(*tj.Model.UnkID), byteFallback: tj.Model.ByteFallback,
		norm: normalizer{dummyPrefix: true, removeExtra: true, escape: true}}
	for i, raw := range tj.Model.Vocab {
		var pair []any
		if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 {
			return nil, fmt.Errorf("promptguard: tokenizer.json vocab entry %d is not [piece, score]", i)
		}
		p, ok1 := pair[0].(string)
		s, ok2 := pair[1].(float64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("promptguard: tokenizer.json vocab entry %d is not [piece, score]", i)
		}
		u.pieces = append(u.pieces, p)
		u.scores = append(u.scores, float32(s))
		u.types = append(u.types, pieceNormal)
	}
	if int(u.unk) >= len(u.pieces) || u.unk < 0 {
		return nil, fmt.Errorf("promptguard: unk_id %d is outside the vocabulary of %d", u.unk, len(u.pieces))
	}
	u.types[u.unk] = pieceUnknown
	for _, a := range tj.AddedTokens {
		if a.ID >= 0 && a.ID < len(u.types) && a.ID != int(u.unk) {
			if a.Special {
				u.types[a.ID] = pieceControl
			} else {
				u.types[a.ID] = pieceUserDefined
			}
		}
	}
	if cm := findCharsmap(tj.Normalizer); cm != "" {
		data, err := base64.StdEncoding.DecodeString(cm)
		if err != nil {
			return nil, fmt.Errorf("promptguard: precompiled_charsmap: %w", err)
		}
		u.norm.charsmap = data
	}
	if err := u.norm.init(); err != nil {
		return nil, err
	}
	u.finish()
	return u, nil
}

// findCharsmap returns the precompiled_charsmap of a Precompiled
// normalizer, alone or inside a Sequence.
func findCharsmap(raw json.RawMessage) string {
	var n struct {
		Type        string            `json:"type"`
		Charsmap    string            `json:"precompiled_charsmap"`
		Normalizers []json.RawMessage `json:"normalizers"`
	}
	if json.Unmarshal(raw, &n) != nil {
		return ""
	}
	if n.Type == "Precompiled" {
		return n.Charsmap
	}
	for _, sub := range n.Normalizers {
		if cm := findCharsmap(sub); cm != "" {
			return cm
		}
	}
	return ""
}
