package safetensors

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/herd-llm/herd/internal/filetest"
)

// rawFile builds a file from a literal JSON header and a data section.
func rawFile(header string, data []byte) []byte {
	b := make([]byte, 8, 8+len(header)+len(data))
	binary.LittleEndian.PutUint64(b, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// encode runs Write and fails the test on error.
func encode(t *testing.T, tensors []WriteTensor, md map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, tensors, md); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// writeFile writes b to dir/name and returns the path.
func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	return filetest.Write(t, dir, name, b)
}

// seq returns n bytes 0, 1, 2, ... offset by start.
func seq(start, n int) []byte { return filetest.Seq(start, n) }
