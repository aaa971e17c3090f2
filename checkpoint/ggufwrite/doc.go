// Package ggufwrite writes a loaded Llama 4 model as a GGUF file in
// llama.cpp's llama4 layout (herd convert): it converts the weights to a
// file type (f32, f16, bf16, q8_0, q4_0, q4_k, q4_k_m, q6_k) as llama.cpp's
// converter and llama-quantize would, then writes llama.cpp's metadata and
// tensors. Package checkpoint reads such files back.
package ggufwrite
