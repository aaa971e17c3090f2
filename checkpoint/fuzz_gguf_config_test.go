package checkpoint

import (
	"bytes"
	"strings"
	"testing"

	"github.com/herd-llm/herd/format/gguf"
)

// FuzzConfigFromGGUF: any bytes that parse as a GGUF file give, through
// ConfigFromGGUF and BindGGUF, a valid config within the limits or an error
// naming the file; never a panic or a huge allocation.
func FuzzConfigFromGGUF(f *testing.F) {
	fuzzEnv(f)
	if b, err := ggufMetadataSeed(); err == nil {
		f.Add(b)
	}
	f.Fuzz(checkFuzzGGUF)
}

// checkFuzzGGUF reads a config from the GGUF image b, if it parses, and
// checks what it accepts; binding the tensors may fail but not panic.
func checkFuzzGGUF(t *testing.T, b []byte) {
	g, err := gguf.Parse("fuzz.gguf", b)
	if err != nil {
		return
	}
	if c, _, err := ConfigFromGGUF(g); err == nil {
		checkFuzzConfig(t, c, fuzzLimits)
		_, _ = BindGGUF(g, c)
	}
}

// ggufMetadataSeed is the llama.cpp tiny file's metadata with no tensors
// and no tokenizer: a small GGUF that ConfigFromGGUF accepts.
func ggufMetadataSeed() ([]byte, error) {
	return rewriteGGUF(hostileTinyGGUF, false, func(k string) bool { return !strings.HasPrefix(k, "tokenizer.") })
}

// FuzzGGUFMetadataValues: the tiny file's metadata with up to two llama4.*
// keys set to arbitrary integers (as uint64, or as uint32 when they fit)
// gives a valid config within the limits or an error; never a panic or a
// huge allocation.
func FuzzGGUFMetadataValues(f *testing.F) {
	fuzzEnv(f)
	seed, err := ggufMetadataSeed()
	if err != nil {
		f.Skip(err)
	}
	base, err := gguf.Parse("seed.gguf", seed)
	if err != nil {
		f.Fatal(err)
	}
	kvs := base.KVs()
	var keys []string
	for _, kv := range kvs {
		if bytes.HasPrefix([]byte(kv.Key), []byte("llama4.")) {
			keys = append(keys, kv.Key)
		}
	}
	keys = append(keys, "llama4.vocab_size", "tokenizer.ggml.eos_token_id", "llama4.no_rope_interval", "llama4.attention.chunk_size")
	f.Add(uint8(0), uint64(1<<31), uint8(1), uint64(4))
	f.Add(uint8(3), uint64(1<<40), uint8(2), uint64(0))
	f.Fuzz(func(t *testing.T, k1 uint8, v1 uint64, k2 uint8, v2 uint64) {
		set := func(kvs []gguf.KV, k uint8, v uint64) []gguf.KV {
			key := keys[int(k)%len(keys)]
			out := make([]gguf.KV, 0, len(kvs)+1)
			for _, kv := range kvs {
				if kv.Key != key {
					out = append(out, kv)
				}
			}
			if v < 1<<32 {
				return append(out, gguf.KVUint32(key, uint32(v)))
			}
			return append(out, gguf.KVUint64(key, v))
		}
		var buf bytes.Buffer
		if err := gguf.Write(&buf, set(set(kvs, k1, v1), k2, v2), nil, 0); err != nil {
			t.Fatal(err)
		}
		checkFuzzGGUF(t, buf.Bytes())
	})
}
