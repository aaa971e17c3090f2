package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

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
