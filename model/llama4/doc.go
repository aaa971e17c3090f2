// Package llama4 is the Llama 4 text model: its configuration, its weights
// and their schema (Slots: every tensor's role, shape, Hugging Face and GGUF
// names), and the forward pass of docs/llama4-spec.md §2 (embeddings,
// RMSNorm, GQA attention with adjacent-pair RoPE, iRoPE chunked/global layers
// with temperature tuning, weightless QK-norm, dense SwiGLU and top-k MoE with
// a shared expert). Reading and writing checkpoint files is package
// checkpoint's.
//
// The forward pass reads like the spec, top to bottom; all inner loops live in
// package kernels so faster or quantized kernels slot in without changes here.
package llama4
