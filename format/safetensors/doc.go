// Package safetensors reads and writes the Hugging Face safetensors format
// safely against hostile input.
//
// A safetensors file is an 8-byte little-endian length N, N bytes of JSON
// header (optionally padded with trailing spaces) and then the data section.
// The header maps each tensor name to its dtype, shape and [begin, end) byte
// range within the data section, plus an optional "__metadata__" object of
// string to string.
//
// ParseHeader validates a header completely (types, dtypes, shapes, sizes,
// ranges, overlaps, duplicate names) and never panics. Open memory-maps a file
// read-only so tensor data is used in place without copying; OpenDir opens a
// model directory, sharded through model.safetensors.index.json or as a single
// file. Write produces files in the standard layout.
//
// Errors name the file and the tensor they concern.
package safetensors
