// Package npy writes and reads NumPy .npy files (format version 1.0) holding
// little-endian float32 arrays in C order, the form `herd logits` emits.
package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

var magic = []byte("\x93NUMPY\x01\x00")

// WriteF32 writes data with the given shape as a '<f4' C-order array.
func WriteF32(w io.Writer, shape []int, data []float32) error {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("npy: negative dimension in shape %v", shape)
		}
		n *= d
	}
	if n != len(data) {
		return fmt.Errorf("npy: shape %v holds %d values, got %d", shape, n, len(data))
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	hdr := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", tuple)
	// Pad with spaces so magic+len+header+newline is a multiple of 64.
	total := len(magic) + 2 + len(hdr) + 1
	hdr += strings.Repeat(" ", (64-total%64)%64) + "\n"
	if len(hdr) > math.MaxUint16 {
		return fmt.Errorf("npy: header too long")
	}
	bw := bufio.NewWriter(w)
	bw.Write(magic)
	var l [2]byte
	binary.LittleEndian.PutUint16(l[:], uint16(len(hdr)))
	bw.Write(l[:])
	bw.WriteString(hdr)
	var b [4]byte
	for _, f := range data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(f))
		bw.Write(b[:])
	}
	return bw.Flush()
}

// WriteF32File writes an .npy file atomically enough for CLI use (create, write, close).
func WriteF32File(path string, shape []int, data []float32) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	if err := WriteF32(f, shape, data); err != nil {
		f.Close()
		return fmt.Errorf("npy: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

// ReadF32 parses a version 1.0 '<f4' C-order .npy file.
func ReadF32(b []byte) (shape []int, data []float32, err error) {
	if len(b) < 10 || !bytes.Equal(b[:8], magic) {
		return nil, nil, fmt.Errorf("npy: not a version 1.0 .npy file")
	}
	hl := int(binary.LittleEndian.Uint16(b[8:10]))
	if 10+hl > len(b) {
		return nil, nil, fmt.Errorf("npy: header length %d past end of file", hl)
	}
	hdr := string(b[10 : 10+hl])
	if !strings.Contains(hdr, "'descr': '<f4'") || !strings.Contains(hdr, "'fortran_order': False") {
		return nil, nil, fmt.Errorf("npy: only little-endian float32 C-order arrays are supported, header %q", hdr)
	}
	i := strings.Index(hdr, "'shape': (")
	j := strings.Index(hdr[i+1:], ")")
	if i < 0 || j < 0 {
		return nil, nil, fmt.Errorf("npy: no shape in header %q", hdr)
	}
	body := b[10+hl:]
	n, room := 1, len(body)/4 // room bounds n, so n*d cannot overflow
	for _, f := range strings.Split(hdr[i+10:i+1+j], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(f)
		if err != nil || d < 0 {
			return nil, nil, fmt.Errorf("npy: bad dimension %q", f)
		}
		if d > 0 && n > room/d {
			return nil, nil, fmt.Errorf("npy: shape %v… needs more than the file's %d bytes", append(shape, d), len(body))
		}
		shape = append(shape, d)
		n *= d
	}
	if len(body) != 4*n {
		return nil, nil, fmt.Errorf("npy: shape %v needs %d bytes, file has %d", shape, 4*n, len(body))
	}
	data = make([]float32, n)
	for k := range data {
		data[k] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*k:]))
	}
	return shape, data, nil
}
