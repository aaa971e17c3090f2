package safetensors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// limitsHeader is a file image whose header lists n empty tensors, with key
// as the offsets key (an escaped spelling hides it from the pre-count).
func limitsHeader(n int, key string) []byte {
	var js strings.Builder
	js.WriteString("{")
	for i := range n {
		if i > 0 {
			js.WriteString(",")
		}
		fmt.Fprintf(&js, `"t%d":{"dtype":"F32","shape":[0],%q:[0,0]}`, i, key)
	}
	js.WriteString("}")
	b := binary.LittleEndian.AppendUint64(nil, uint64(js.Len()))
	return append(b, js.String()...)
}

// TestLimits: headers and indexes over their Limits fail with errors
// matching ErrLimit; at the limit they pass.
func TestLimits(t *testing.T) {
	lim := Limits{HeaderBytes: 1 << 10, Tensors: 3}
	escaped := strings.Replace(string(limitsHeader(4, "data_offsets")), `"data_offsets"`, `"data\u005foffsets"`, -1)
	escapedImg := []byte(escaped[8:])
	escapedImg = append(binary.LittleEndian.AppendUint64(nil, uint64(len(escapedImg))), escapedImg...)
	for _, tc := range []struct {
		name string
		img  []byte
		want string
	}{
		{"at the limit", limitsHeader(3, "data_offsets"), ""},
		{"one over", limitsHeader(4, "data_offsets"), "header lists 4 or more tensors, over the limit of 3"},
		{"escaped key", escapedImg, "header lists 4 or more tensors, over the limit of 3"},
		{"header bytes", limitsHeader(30, "x"), "exceeds the limit of 1024 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := headerLen(tc.img, int64(len(tc.img)), lim)
			if err == nil {
				_, err = parseHeader(tc.img[:8+n], int64(len(tc.img)), lim)
			}
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrLimit) {
				t.Fatalf("error %v, want %q matching ErrLimit", err, tc.want)
			}
		})
	}
}

// TestIndexLimits: an index listing more tensors than the limit fails.
func TestIndexLimits(t *testing.T) {
	lim := Limits{HeaderBytes: 1 << 20, Tensors: 2}
	for _, tc := range []struct {
		js   string
		want string
	}{
		{`{"weight_map":{"a":"m.safetensors","b":"m.safetensors"}}`, ""},
		{`{"weight_map":{"a":"m.safetensors","b":"m.safetensors","c":"m.safetensors"}}`, "index lists 3 or more tensors"},
		{`{"weight_map":{"a":"m","b":"m","c":"m"}}`, "index lists 3 or more tensors"},
	} {
		_, err := parseIndex([]byte(tc.js), lim)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.js, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrLimit) {
			t.Errorf("%s: error %v, want %q", tc.js, err, tc.want)
		}
	}
}
