package kernels

import "encoding/binary"

// The K16 activation tile of the AVX-512 VNNI K-family kernels (q4kDot16V,
// q6kDot16V): 16 Q8_K activation rows rearranged so that each row owns two
// dword lanes. Per super-block (k16Bytes, the size of 16 plain Q8_K blocks):
//
//	[32 group pairs][2 halves][8 rows][8]int8 quants (pair P: values
//	8P..8P+7 of row 8·half+row),
//	[8 pairs][16 rows][2]int16 bsums (pair i: bsums 2i and 2i+1),
//	[16]float32 d
const (
	k16Rows  = 16
	k16Bsums = 4096
	k16D     = 4608
	k16Bytes = k16Rows * q8KBytes
)

// packK16 writes the 16 plain Q8_K rows at src (rs bytes apart, nsb
// super-blocks each) into dst as nsb K16 tile blocks.
func packK16(dst, src []byte, rs, nsb int) {
	le := binary.LittleEndian
	for b := range nsb {
		d := dst[b*k16Bytes : (b+1)*k16Bytes]
		for t := range k16Rows {
			s := src[t*rs+b*q8KBytes : t*rs+(b+1)*q8KBytes]
			for P := range 32 {
				le.PutUint64(d[128*P+64*(t/8)+8*(t%8):], le.Uint64(s[4+8*P:]))
			}
			for i := range 8 {
				le.PutUint32(d[k16Bsums+64*i+4*t:], le.Uint32(s[260+4*i:]))
			}
			le.PutUint32(d[k16D+4*t:], le.Uint32(s))
		}
	}
}
