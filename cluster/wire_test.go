package cluster

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestForwardRoundTrip(t *testing.T) {
	cases := []*forwardMsg{
		{assign: 7, seqs: []wireSeq{{id: 1, p0: 0, maxLen: 64, ids: []int32{1, 2, 3}}}, hidden: make([]float32, 3*2)},
		{assign: 1 << 60, free: []uint64{4, 5}, seqs: []wireSeq{{id: 9, p0: 30, maxLen: 64, ids: []int32{7}}, {id: 2, p0: 1, maxLen: 8, ids: []int32{0, 1}}},
			hidden: []float32{1, float32(math.Inf(-1)), -0.0, math.SmallestNonzeroFloat32, float32(math.NaN()), 3}},
	}
	for i, m := range cases {
		got, err := decodeForward(appendForward(nil, m), 2)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if got.assign != m.assign || !reflect.DeepEqual(got.seqs, m.seqs) || len(got.free) != len(m.free) {
			t.Errorf("case %d: decoded %+v, want %+v", i, got, m)
		}
		for j := range m.hidden {
			if math.Float32bits(got.hidden[j]) != math.Float32bits(m.hidden[j]) {
				t.Errorf("case %d: hidden %d is %x, sent %x", i, j, math.Float32bits(got.hidden[j]), math.Float32bits(m.hidden[j]))
			}
		}
	}
}

func TestDecodeForwardRejects(t *testing.T) {
	good := appendForward(nil, &forwardMsg{assign: 1, seqs: []wireSeq{{id: 1, maxLen: 4, ids: []int32{1, 2}}}, hidden: make([]float32, 4)})
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "not a forward message"},
		{"magic", append([]byte("HPF0"), good[4:]...), "not a forward message"},
		{"truncated", good[:len(good)-1], "bytes of hidden states"},
		{"extra", append(append([]byte(nil), good...), 0, 0, 0, 0), "bytes of hidden states"},
		{"header", good[:10], "truncated"},
		{"huge count", append(append([]byte(nil), good[:12]...), 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3), "claims"},
	}
	for _, tc := range cases {
		_, err := decodeForward(tc.b, 2)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// FuzzDecodeForward: any bytes either decode to a message that encodes back
// to the same bytes, or fail with an error; nothing panics.
func FuzzDecodeForward(f *testing.F) {
	f.Add(appendForward(nil, &forwardMsg{assign: 3, free: []uint64{1}, seqs: []wireSeq{{id: 1, p0: 2, maxLen: 9, ids: []int32{5}}}, hidden: []float32{1, 2}}))
	f.Add([]byte("HPF1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeForward(b, 2)
		if err != nil {
			return
		}
		if again := appendForward(nil, m); string(again) != string(b) {
			t.Fatalf("decoded message re-encodes to %x, read from %x", again, b)
		}
	})
}
