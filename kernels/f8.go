package kernels

import "github.com/herd-llm/herd/tensor"

// f8e4m3 maps every F8E4M3 byte to its float32 value (the row scale is not
// applied).
var f8e4m3 = func() (t [256]float32) {
	for i := range t {
		t[i] = tensor.F8E4M3ToF32(uint8(i))
	}
	return t
}()

// decodeF8 writes the unscaled float32 values of src to dst[:len(src)].
func decodeF8(dst []float32, src []byte) {
	dst = dst[:len(src)]
	for i, b := range src {
		dst[i] = f8e4m3[b]
	}
}
