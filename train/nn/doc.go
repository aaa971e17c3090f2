// Package nn holds the trainer's differentiable operations on flat
// row-major slices (matrix products, RMSNorm, RoPE, SwiGLU, causal
// attention, the softmax cross-entropy row), each forward with its
// backward, written once for float32 (training, on the kernels) and float64
// (the finite-difference checks of the same code).
package nn
