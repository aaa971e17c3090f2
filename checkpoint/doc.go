// Package checkpoint reads and writes Llama 4 checkpoints: Hugging Face
// safetensors + config.json in and out, GGUF (llama.cpp's llama4 layout) in
// (package checkpoint/ggufwrite writes it), the quantization schemes, and
// the load policy behind herd's -m. Every loop over tensors walks llama4's
// weight schema (llama4.Slots, Weights.ForEach), so tensor names and shapes
// live in one table.
package checkpoint
