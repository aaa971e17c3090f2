// Package llama4 is the Llama 4 text model: its configuration, the binding of
// checkpoint tensors to typed per-layer weights, and the forward pass of
// ../shared/docs/llama4-spec.md §2 (embeddings, RMSNorm, GQA attention with
// adjacent-pair RoPE, iRoPE chunked/global layers with temperature tuning,
// weightless QK-norm, dense SwiGLU and top-k MoE with a shared expert).
//
// The forward pass reads like the spec, top to bottom; all inner loops live in
// package kernels so faster or quantized kernels slot in without changes here.
package llama4
