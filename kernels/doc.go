// Package kernels holds the numeric inner loops the model calls: matrix
// multiplication against stored weights of any dtype, norms and activations.
//
// Every function here has a portable Go definition (the *Ref functions and the
// generic loops) that faster paths are tested against. The model package calls
// only these functions, so SIMD and quantized paths slot in underneath without
// touching model code.
//
// On amd64 the hot loops (MatMul, Dot, Axpy) use AVX2/FMA/F16C assembly when
// CPUID and XGETBV report it; otherwise, on other architectures, when built
// with the purego tag, when HERD_NOASM=1 is set or after ForcePortable(true),
// they run pure Go. Impl reports which. MatMul spreads its output rows over a
// persistent pool of Threads() goroutines (see SetThreads).
package kernels
