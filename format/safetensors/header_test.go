package safetensors

import (
	"encoding/binary"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseHeaderErrors(t *testing.T) {
	d8 := make([]byte, 8)
	bigLen := make([]byte, 16)
	binary.LittleEndian.PutUint64(bigLen, MaxHeaderSize+1)
	entry := func(name, body string) string { return `{"` + name + `":` + body + `}` }
	tests := []struct {
		name   string
		file   []byte
		size   int64 // file size; len(file) when 0
		prefix int   // bytes of file passed as prefix; all when 0
		want   string
	}{
		{name: "empty file", file: []byte{}, want: "too short (0 bytes)"},
		{name: "truncated length", file: []byte{1, 0, 0}, want: "too short (3 bytes)"},
		{name: "negative size", file: []byte{}, size: -1, want: "too short"},
		{name: "prefix shorter than length", file: rawFile(`{}`, nil), prefix: 4, want: "prefix holds 4 bytes"},
		{name: "prefix shorter than header", file: rawFile(`{"a":{}}`, nil), prefix: 12, want: "prefix holds 12 bytes, but the 8-byte header needs 16"},
		{name: "prefix longer than file", file: rawFile(`{}`, d8), size: 12, want: "longer than the file"},
		{name: "header length past end", file: rawFile(`{}`, nil)[:9], want: "header length 2 exceeds the 1 bytes"},
		{name: "header length huge", file: bigLen, size: 1 << 40, prefix: 8, want: "exceeds the limit"},
		{name: "empty header", file: rawFile(``, nil), want: "invalid JSON"},
		{name: "truncated JSON", file: rawFile(`{"a":`, nil), want: "invalid JSON"},
		{name: "bad JSON", file: rawFile(`{"a" 1}`, nil), want: "invalid JSON"},
		{name: "not UTF-8", file: rawFile("{\"\xff\":{}}", nil), want: "UTF-8"},
		{name: "top level array", file: rawFile(`[]`, nil), want: "header is an array, not an object"},
		{name: "trailing data", file: rawFile(`{} {}`, nil), want: "after the top-level object"},
		{name: "trailing garbage", file: rawFile(`{}x`, nil), want: "after the top-level object"},
		{name: "entry is number", file: rawFile(entry("a", `1`), nil), want: `tensor "a" is a number, not an object`},
		{name: "entry is null", file: rawFile(entry("a", `null`), nil), want: `tensor "a" is null, not an object`},
		{name: "missing dtype", file: rawFile(entry("a", `{"shape":[],"data_offsets":[0,0]}`), nil), want: `tensor "a": missing field "dtype"`},
		{name: "missing shape", file: rawFile(entry("a", `{"dtype":"U8","data_offsets":[0,0]}`), nil), want: `missing field "shape"`},
		{name: "missing offsets", file: rawFile(entry("a", `{"dtype":"U8","shape":[0]}`), nil), want: `missing field "data_offsets"`},
		{name: "dtype not string", file: rawFile(entry("a", `{"dtype":4,"shape":[],"data_offsets":[0,4]}`), d8), want: "dtype is a number, not a string"},
		{name: "unknown dtype", file: rawFile(entry("a", `{"dtype":"F128","shape":[],"data_offsets":[0,4]}`), d8), want: `tensor "a": unknown dtype "F128"`},
		{name: "lowercase dtype", file: rawFile(entry("a", `{"dtype":"f32","shape":[],"data_offsets":[0,4]}`), d8), want: `unknown dtype "f32"`},
		{name: "shape not array", file: rawFile(entry("a", `{"dtype":"U8","shape":4,"data_offsets":[0,4]}`), d8), want: "shape is a number, not an array"},
		{name: "shape float", file: rawFile(entry("a", `{"dtype":"U8","shape":[1.5],"data_offsets":[0,4]}`), d8), want: "element 0 (1.5) is not an integer"},
		{name: "shape string", file: rawFile(entry("a", `{"dtype":"U8","shape":["4"],"data_offsets":[0,4]}`), d8), want: "element 0 is a string"},
		{name: "shape nested", file: rawFile(entry("a", `{"dtype":"U8","shape":[[4]],"data_offsets":[0,4]}`), d8), want: "element 0 is an array"},
		{name: "negative dim", file: rawFile(entry("a", `{"dtype":"U8","shape":[2,-2],"data_offsets":[0,4]}`), d8), want: "dimension 1 is negative"},
		{name: "dim out of range", file: rawFile(entry("a", `{"dtype":"U8","shape":[99999999999999999999],"data_offsets":[0,4]}`), d8), want: "out of range"},
		{name: "element count overflow", file: rawFile(entry("a", `{"dtype":"U8","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,4]}`), d8), want: "element count overflows"},
		{name: "byte count overflow", file: rawFile(entry("a", `{"dtype":"F64","shape":[1073741824,1073741824,2],"data_offsets":[0,4]}`), d8), want: "element count overflows"},
		{name: "offsets one", file: rawFile(entry("a", `{"dtype":"U8","shape":[4],"data_offsets":[4]}`), d8), want: "must be [begin, end]"},
		{name: "offsets three", file: rawFile(entry("a", `{"dtype":"U8","shape":[4],"data_offsets":[0,4,8]}`), d8), want: "must be [begin, end]"},
		{name: "offsets not array", file: rawFile(entry("a", `{"dtype":"U8","shape":[4],"data_offsets":{}}`), d8), want: "data_offsets is an object"},
		{name: "begin after end", file: rawFile(entry("a", `{"dtype":"U8","shape":[4],"data_offsets":[4,0]}`), d8), want: "are not 0 <= begin <= end"},
		{name: "negative begin", file: rawFile(entry("a", `{"dtype":"U8","shape":[4],"data_offsets":[-4,0]}`), d8), want: "are not 0 <= begin <= end"},
		{name: "end past data", file: rawFile(entry("a", `{"dtype":"U8","shape":[12],"data_offsets":[0,12]}`), d8), want: `tensor "a": data_offsets [0, 12] end past the data section (8 bytes)`},
		{name: "huge end", file: rawFile(entry("a", `{"dtype":"U8","shape":[4],"data_offsets":[0,9223372036854775807]}`), d8), want: "end past the data section"},
		{name: "size mismatch", file: rawFile(entry("a", `{"dtype":"F32","shape":[2,2],"data_offsets":[0,8]}`), make([]byte, 16)), want: "shape [2 2] of F32 needs 16 bytes, data_offsets [0, 8] hold 8"},
		{name: "overlap", file: rawFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}`, d8), want: `tensor "b": data_offsets [2, 6] overlap tensor "a" at [0, 4]`},
		{name: "same range", file: rawFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}}`, d8), want: "overlap"},
		{name: "contained range", file: rawFile(`{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}}`, d8), want: "overlap"},
		{name: "duplicate name", file: rawFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}`, d8), want: `duplicate tensor name "a"`},
		{name: "duplicate field", file: rawFile(entry("a", `{"dtype":"U8","dtype":"I8","shape":[4],"data_offsets":[0,4]}`), d8), want: `duplicate field "dtype"`},
		{name: "duplicate metadata", file: rawFile(`{"__metadata__":{},"__metadata__":{}}`, nil), want: `duplicate tensor name "__metadata__"`},
		{name: "metadata array", file: rawFile(`{"__metadata__":[]}`, nil), want: "__metadata__ is an array, not an object of strings"},
		{name: "metadata number value", file: rawFile(`{"__metadata__":{"k":1}}`, nil), want: `__metadata__["k"] is a number, not a string`},
		{name: "metadata duplicate key", file: rawFile(`{"__metadata__":{"k":"1","k":"2"}}`, nil), want: `duplicate key "k"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			size := int64(len(tc.file))
			if tc.size != 0 {
				size = tc.size
			}
			prefix := tc.file
			if tc.prefix != 0 {
				prefix = tc.file[:tc.prefix]
			}
			h, err := ParseHeader(prefix, size)
			if err == nil {
				t.Fatalf("ParseHeader succeeded (%+v), want error containing %q", h, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseHeaderValid(t *testing.T) {
	hdr := `{"__metadata__":{"format":"pt"},` +
		`"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[8,20],"extra":{"ignored":[1,2]}},` +
		`"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},` +
		`"z1":{"dtype":"F32","shape":[0,5],"data_offsets":[4,4]},` +
		`"z0":{"dtype":"I64","shape":[5,0],"data_offsets":[4,4]},` +
		`"zin":{"dtype":"U8","shape":[0],"data_offsets":[10,10]}}      `
	file := rawFile(hdr, make([]byte, 24))
	h, err := ParseHeader(file, int64(len(file))+100) // trailing bytes after the last tensor are allowed
	if err != nil {
		t.Fatal(err)
	}
	if h.DataStart != int64(8+len(hdr)) {
		t.Errorf("DataStart = %d, want %d", h.DataStart, 8+len(hdr))
	}
	if want := map[string]string{"format": "pt"}; !reflect.DeepEqual(h.Metadata, want) {
		t.Errorf("Metadata = %v, want %v", h.Metadata, want)
	}
	if want := []string{"s", "z0", "z1", "w", "zin"}; !reflect.DeepEqual(h.Order, want) {
		t.Errorf("Order = %v, want %v", h.Order, want)
	}
	w := h.Tensors["w"]
	if want := (Info{Name: "w", DType: "BF16", Shape: []int{2, 3}, Begin: 8, End: 20}); !reflect.DeepEqual(w, want) {
		t.Errorf("w = %+v, want %+v", w, want)
	}
	if n := h.Tensors["s"].NumElements(); n != 1 {
		t.Errorf("scalar NumElements = %d", n)
	}

	// Every standard dtype is accepted with its size; null metadata means none.
	for dt, size := range dtypeSizes {
		hdr := `{"__metadata__":null,"t":{"dtype":"` + dt + `","shape":[3],"data_offsets":[0,` + strconv.FormatInt(3*size, 10) + `]}}`
		file := rawFile(hdr, make([]byte, 24))
		h, err := ParseHeader(file, int64(len(file)))
		if err != nil {
			t.Errorf("dtype %s: %v", dt, err)
			continue
		}
		if h.Metadata != nil || h.Tensors["t"].DType != dt {
			t.Errorf("dtype %s: got %+v", dt, h)
		}
	}
}

func TestDTypeOf(t *testing.T) {
	for _, s := range []string{"F32", "BF16", "F16", "F8_E4M3"} {
		d, err := DTypeOf(s)
		if err != nil || d.String() != s {
			t.Errorf("DTypeOf(%q) = %v, %v", s, d, err)
		}
	}
	for s, want := range map[string]string{"I64": "dtype I64 is not supported", "F8_E5M2": "F8_E5M2", "Q4": `unknown dtype "Q4"`} {
		if _, err := DTypeOf(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("DTypeOf(%q) error %v, want %q", s, err, want)
		}
	}
	if n, err := DTypeSize("BF16"); n != 2 || err != nil {
		t.Errorf("DTypeSize(BF16) = %d, %v", n, err)
	}
	if _, err := DTypeSize("X"); err == nil {
		t.Error("DTypeSize(X) succeeded")
	}
}
