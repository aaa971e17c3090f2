// Package gguf reads and writes GGUF, the file format of ggml and llama.cpp,
// safely against hostile input.
//
// A GGUF file (versions 2 and 3; version 1 is rejected) is, all little-endian:
//
//	magic "GGUF", version u32, tensor count u64, metadata count u64
//	metadata: key (string), value type u32, value        × metadata count
//	tensor infos: name (string), n_dims u32, dims u64 × n_dims,
//	              ggml type u32, offset u64                × tensor count
//	padding to the alignment, then the data section
//
// where a string is a u64 byte length and the bytes, and an array value is
// an element type u32, a u64 count and the elements (arrays may nest).
// Tensor dims are in ggml order, fastest-varying first: a matrix of rows ×
// cols has dims {cols, rows}. Each tensor's offset is relative to the data
// section and a multiple of the alignment, the u32 metadata value
// "general.alignment" (32 when absent).
//
// Parse validates a whole file image (every length against the bytes left,
// counts against the file size, nesting depth, types, dims, block sizes,
// alignment, data ranges, overlaps, duplicate keys and names) and never
// panics; Open memory-maps a file read-only and parses it, so tensor data is
// used in place without copying. Tensors of any known ggml type are listed,
// but only F32, F16, BF16, Q8_0, Q4_0, Q4_K and Q6_K map to a tensor.DType
// and can be fetched with File.Tensor. Write produces GGUF version 3.
//
// Errors name the file and the key or tensor they concern.
package gguf
