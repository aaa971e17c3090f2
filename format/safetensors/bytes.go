package safetensors

import (
	"fmt"
)

// OpenBytes opens a Set over one safetensors file held in memory, such as a
// model embedded in the binary with go:embed: nothing is read from or
// written to disk. name stands for the file in errors and in Tensor.File.
// Tensor data aliases data, which must not be modified while the set is in
// use; Close only marks the set closed. The header is validated exactly as
// Open validates a file's.
func OpenBytes(name string, data []byte) (*Set, error) {
	f, err := fileFromBytes(name, data)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", name, err)
	}
	return singleSet("", name, name, f), nil
}

// fileFromBytes is open for a file already in memory.
func fileFromBytes(name string, data []byte) (*File, error) {
	size := int64(len(data))
	if size < 8 {
		return nil, fmt.Errorf("file is too short (%d bytes) to hold the 8-byte header length", size)
	}
	n, err := headerLen(data[:8], size, DefaultLimits)
	if err != nil {
		return nil, err
	}
	h, err := parseHeader(data[:8+n], size, DefaultLimits)
	if err != nil {
		return nil, err
	}
	f := &File{Path: name, Header: h}
	if size > h.DataStart {
		f.data = data[:size:size]
	}
	return f, nil
}
