package gguf

// KV is one metadata key and its value.
type KV struct {
	// Key is the entry's name, e.g. "llama4.block_count".
	Key string
	// Value is the entry's typed value.
	Value Value
}

// KVUint8 returns a uint8 entry.
func KVUint8(key string, x uint8) KV { return KV{key, Of(x)} }

// KVInt8 returns an int8 entry.
func KVInt8(key string, x int8) KV { return KV{key, Of(x)} }

// KVUint16 returns a uint16 entry.
func KVUint16(key string, x uint16) KV { return KV{key, Of(x)} }

// KVInt16 returns an int16 entry.
func KVInt16(key string, x int16) KV { return KV{key, Of(x)} }

// KVUint32 returns a uint32 entry, the type llama.cpp uses for counts and
// lengths such as llama4.block_count.
func KVUint32(key string, x uint32) KV { return KV{key, Of(x)} }

// KVInt32 returns an int32 entry.
func KVInt32(key string, x int32) KV { return KV{key, Of(x)} }

// KVFloat32 returns a float32 entry, the type llama.cpp uses for floats such
// as llama4.rope.freq_base.
func KVFloat32(key string, x float32) KV { return KV{key, Of(x)} }

// KVBool returns a bool entry.
func KVBool(key string, x bool) KV { return KV{key, Of(x)} }

// KVString returns a string entry.
func KVString(key, x string) KV { return KV{key, Of(x)} }

// KVUint64 returns a uint64 entry.
func KVUint64(key string, x uint64) KV { return KV{key, Of(x)} }

// KVInt64 returns an int64 entry.
func KVInt64(key string, x int64) KV { return KV{key, Of(x)} }

// KVFloat64 returns a float64 entry.
func KVFloat64(key string, x float64) KV { return KV{key, Of(x)} }

// KVStrings returns an array-of-strings entry (tokenizer.ggml.tokens).
func KVStrings(key string, xs []string) KV { return KV{key, ArrayOf(xs)} }

// KVInt32s returns an array-of-int32 entry (tokenizer.ggml.token_type).
func KVInt32s(key string, xs []int32) KV { return KV{key, ArrayOf(xs)} }

// KVUint32s returns an array-of-uint32 entry.
func KVUint32s(key string, xs []uint32) KV { return KV{key, ArrayOf(xs)} }

// KVFloat32s returns an array-of-float32 entry (tokenizer.ggml.scores).
func KVFloat32s(key string, xs []float32) KV { return KV{key, ArrayOf(xs)} }

// KVBools returns an array-of-bool entry.
func KVBools(key string, xs []bool) KV { return KV{key, ArrayOf(xs)} }
