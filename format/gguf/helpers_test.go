package gguf

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/herd-llm/herd/internal/filetest"
)

// raw builds GGUF bytes by hand, for files Write would refuse to produce.
type raw struct{ b []byte }

func (r *raw) u8(x uint8) *raw   { r.b = append(r.b, x); return r }
func (r *raw) u32(x uint32) *raw { r.b = binary.LittleEndian.AppendUint32(r.b, x); return r }
func (r *raw) u64(x uint64) *raw { r.b = binary.LittleEndian.AppendUint64(r.b, x); return r }
func (r *raw) bytes(p ...byte) *raw {
	r.b = append(r.b, p...)
	return r
}

// str appends a length-prefixed string.
func (r *raw) str(s string) *raw { return r.u64(uint64(len(s))).bytes([]byte(s)...) }

// header appends magic, version and counts.
func (r *raw) header(version uint32, nTensors, nKV uint64) *raw {
	return r.bytes([]byte(Magic)...).u32(version).u64(nTensors).u64(nKV)
}

// kvU32 appends a uint32 entry.
func (r *raw) kvU32(key string, x uint32) *raw { return r.str(key).u32(uint32(TypeUint32)).u32(x) }

// tensor appends a tensor info.
func (r *raw) tensor(name string, typ GGMLType, offset uint64, dims ...uint64) *raw {
	r.str(name).u32(uint32(len(dims)))
	for _, d := range dims {
		r.u64(d)
	}
	return r.u32(uint32(typ)).u64(offset)
}

// alignTo pads with zeros to a multiple of n.
func (r *raw) alignTo(n int) *raw {
	for len(r.b)%n != 0 {
		r.b = append(r.b, 0)
	}
	return r
}

// zeros appends n zero bytes.
func (r *raw) zeros(n int) *raw { r.b = append(r.b, make([]byte, n)...); return r }

// encode runs Write and fails the test on error.
func encode(t testing.TB, kvs []KV, tensors []WriteTensor, alignment int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, kvs, tensors, alignment); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// writeFile writes b to a new file in a temporary directory and returns its path.
func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	return filetest.Write(t, t.TempDir(), name, b)
}

// seq returns n bytes start, start+1, ... (mod 256).
func seq(start, n int) []byte { return filetest.Seq(start, n) }
