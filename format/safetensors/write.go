package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"
)

// WriteTensor is one tensor to Write: its name, header dtype string (e.g.
// "BF16"), shape (outermost first; empty for a scalar) and raw little-endian
// bytes, which must be exactly elements × dtype size long.
type WriteTensor struct {
	Name  string
	DType string
	Shape []int
	Data  []byte
}

// headerEntry is the JSON form of one tensor's header entry.
type headerEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// Write writes tensors to w in the standard layout: the 8-byte little-endian
// header length, the JSON header padded with spaces to a multiple of 8 bytes
// (so the data section starts 8-byte aligned), then each tensor's bytes as
// given, in the given order. metadata, when non-empty, becomes the header's
// "__metadata__". Names must be non-empty, unique and not "__metadata__";
// dtypes must be standard; each Data must match its shape. Write does not
// retain or modify the inputs.
func Write(w io.Writer, tensors []WriteTensor, metadata map[string]string) error {
	header := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		for k, v := range metadata {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return fmt.Errorf("safetensors: write: metadata %q: not valid UTF-8", k)
			}
		}
		header[metadataKey] = metadata
	}
	var off int64
	for i, t := range tensors {
		if t.Name == "" || t.Name == metadataKey || !utf8.ValidString(t.Name) {
			return fmt.Errorf("safetensors: write: tensor %d: invalid name %q", i, t.Name)
		}
		if _, dup := header[t.Name]; dup {
			return fmt.Errorf("safetensors: write: duplicate tensor name %q", t.Name)
		}
		size, ok := dtypeSizes[t.DType]
		if !ok {
			return fmt.Errorf("safetensors: write: tensor %q: unknown dtype %q", t.Name, t.DType)
		}
		n, ok := numElements(t.Shape)
		if !ok || n > maxInt64/size {
			return fmt.Errorf("safetensors: write: tensor %q: invalid shape %v", t.Name, t.Shape)
		}
		if int64(len(t.Data)) != n*size {
			return fmt.Errorf("safetensors: write: tensor %q: shape %v of %s needs %d bytes, data has %d", t.Name, t.Shape, t.DType, n*size, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{} // a scalar is "shape": [], not null
		}
		header[t.Name] = headerEntry{DType: t.DType, Shape: shape, DataOffsets: [2]int64{off, off + int64(len(t.Data))}}
		off += int64(len(t.Data))
	}

	var js bytes.Buffer
	js.Grow(8 + 96*len(header))
	js.Write(make([]byte, 8)) // length, filled in below
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(header); err != nil {
		return fmt.Errorf("safetensors: write: encoding header: %w", err)
	}
	js.Truncate(js.Len() - 1) // Encode's trailing newline
	for js.Len()%8 != 0 {
		js.WriteByte(' ')
	}
	b := js.Bytes()
	binary.LittleEndian.PutUint64(b, uint64(len(b)-8))
	if len(b)-8 > MaxHeaderSize {
		return fmt.Errorf("safetensors: write: header of %d bytes exceeds the limit of %d", len(b)-8, MaxHeaderSize)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return fmt.Errorf("safetensors: write: tensor %q: %w", t.Name, err)
		}
	}
	return nil
}
