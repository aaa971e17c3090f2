package tokenizer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/herd-llm/herd/format/gguf"
)

// ggufFuzzSeed is the tiny test tokenizer's GGUF metadata as FuzzFromGGUF
// takes it: tokens and merges one per line, and the token types.
func ggufFuzzSeed(f *testing.F) (tokens, merges string, types []byte) {
	tok, err := Load("../testdata/gguf/tiny-tokenizer")
	if err != nil {
		f.Skipf("tiny tokenizer absent: %v", err)
	}
	kvs, err := tok.GGUFMetadata(tok.VocabSize() + 2)
	if err != nil {
		f.Fatal(err)
	}
	for _, kv := range kvs {
		switch kv.Key {
		case GGUFKeyTokens:
			xs, _ := kv.Value.Strings()
			tokens = strings.Join(xs, "\n")
		case GGUFKeyMerges:
			xs, _ := kv.Value.Strings()
			merges = strings.Join(xs, "\n")
		case GGUFKeyTokenType:
			xs, _ := kv.Value.Ints()
			for _, x := range xs {
				types = append(types, byte(x))
			}
		}
	}
	return tokens, merges, types
}

// FuzzFromGGUF builds the tokenizer metadata of a GGUF file from fuzzed
// tokens (one per line), merges (one per line), token types and special
// ids, writes and parses the file, and checks that FromGGUF gives an error
// or a tokenizer that encodes and decodes any text without panicking,
// whose ids are all in the vocabulary.
func FuzzFromGGUF(f *testing.F) {
	toks, merges, types := ggufFuzzSeed(f)
	f.Add(toks, merges, types, uint32(1), uint32(2), "hello <|eot|> wörld")
	f.Add(toks, "", types[:len(types)/2], uint32(0), uint32(1), "abc")
	f.Add("a\nb", "a b", []byte{1, 1, 7}, uint32(1<<31), uint32(0), "ab")
	f.Add(toks, merges+"\nx y z", types, uint32(0), uint32(0), "")
	f.Fuzz(func(t *testing.T, tokens, merges string, types []byte, bos, eos uint32, text string) {
		var tl, ml []string
		if tokens != "" {
			tl = strings.Split(tokens, "\n")
		}
		if merges != "" {
			ml = strings.Split(merges, "\n")
		}
		kvs := []gguf.KV{
			gguf.KVString(GGUFKeyModel, "gpt2"), gguf.KVString(GGUFKeyPre, "llama4"),
			gguf.KVStrings(GGUFKeyTokens, tl), gguf.KVStrings(GGUFKeyMerges, ml),
			gguf.KVUint32(GGUFKeyBOS, bos), gguf.KVUint32(GGUFKeyEOS, eos),
		}
		if len(types) > 0 {
			ts := make([]int32, len(types))
			for i, b := range types {
				ts[i] = int32(b % 8)
			}
			kvs = append(kvs, gguf.KVInt32s(GGUFKeyTokenType, ts))
		}
		var buf bytes.Buffer
		if err := gguf.Write(&buf, kvs, nil, 0); err != nil {
			return // e.g. an empty array the writer refuses
		}
		g, err := gguf.Parse("fuzz.gguf", buf.Bytes())
		if err != nil {
			t.Fatalf("parsing a written file: %v", err)
		}
		tok, err := FromGGUF(g)
		if err != nil {
			return
		}
		if tok.VocabSize() != len(tl) {
			t.Fatalf("vocab %d from %d tokens", tok.VocabSize(), len(tl))
		}
		for _, special := range []bool{false, true} {
			ids := tok.Encode(text, special)
			for _, id := range ids {
				if id < 0 || int(id) >= tok.VocabSize() {
					t.Fatalf("id %d outside the vocabulary of %d", id, tok.VocabSize())
				}
			}
			_ = tok.Decode(ids, false)
		}
	})
}
