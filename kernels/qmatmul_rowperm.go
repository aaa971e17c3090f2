package kernels

// q4kRowPerm reorders the quants of the nsb Q8_K blocks of row for the Q4_K
// AVX-512 VNNI decode kernels (q4kRows1V, q4kRows4V): in each 128-value half
// the values 32..63 and 64..95 swap places, so that the 64 activation bytes
// facing the low nibbles of a 64-byte weight chunk pair (sub-blocks 4h and
// 4h+2) and those facing the high nibbles (4h+1, 4h+3) are contiguous. The
// scale d and the bsums stay where they are.
func q4kRowPerm(row []byte, nsb int) {
	var tmp [32]byte
	for b := range nsb {
		for h := range 2 {
			q := row[b*q8KBytes+4+128*h : b*q8KBytes+4+128*(h+1)]
			copy(tmp[:], q[32:64])
			copy(q[32:64], q[64:96])
			copy(q[64:96], tmp[:])
		}
	}
}
