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
// they run pure Go. Where the CPU and OS also support AVX-512 F/BW/VL and
// AVX-512 VNNI (ZMM state enabled in XCR0), the integer MatMul path (Q8_0,
// Q4_0, Q4_K, Q6_K weights) takes 512-bit VPDPBUSD/VPDPWSSD kernels that give
// the AVX2 kernels' results bit for bit; HERD_KERNELS=avx2 (or
// LimitFamily("avx2")) keeps such a machine on AVX2. Impl reports the family
// in use. MatMul spreads its output rows over a
// persistent pool of Threads() goroutines (see SetThreads).
//
// The kernels of attention over a stored KV cache are in kernels/attention;
// they take their assembly paths only where this package's family gate lets
// them (UseAVX2, UseAVX512F), so LimitFamily and HERD_KERNELS govern them too.
package kernels
