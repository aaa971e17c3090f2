// Package kernels holds the numeric inner loops the model calls: matrix
// multiplication against stored weights of any dtype, norms and activations.
//
// Every function here has a portable Go definition (the *Ref functions and the
// generic loops) that faster paths are tested against. The model package calls
// only these functions, so SIMD and quantized paths slot in underneath without
// touching model code.
package kernels
