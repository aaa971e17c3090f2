// Package train trains Llama 4 text models: forward with saved activations,
// explicit per-op backward functions (llm.c style, no autograd), the
// cross-entropy loss, AdamW, the learning-rate schedule, gradient clipping and
// accumulation, deterministic data sampling and atomic, resumable checkpoints.
//
// Parameters are held in Hugging Face Llama4ForCausalLM layout: the same
// names and shapes as the checkpoint tensors, including the input-major 3-D
// expert stacks experts.gate_up_proj [E, D, 2F] and experts.down_proj
// [E, F, D]. A trained model is written as a Hugging Face directory
// (config.json + model.safetensors) that llama4.LoadHF reads.
//
// The math follows ../shared/docs/llama4-spec.md §2 and the training
// reference ../shared/testdata/llama4-tiny-train: the configuration comes from
// llama4.Config (LayerUsesRoPE, LayerIsMoE, ChunkSize, …), the RoPE
// frequencies from llama4.InvFreq, the NoPE query scale from llama4.TempScale,
// and RMSNorm and sigmoid use the inference kernels (package kernels), so
// training and inference share one definition; a test checks that the
// training forward's logits equal llama4.Model.Forward's (to float32
// rounding). The float32 hot loops run on SIMD kernels: the linear layers'
// products, forward and backward, on kernels.Gemm (strided operands, no
// transposes), attention on the inference attention kernels (DotsF32,
// AxpysF32, ExpSub) and the SwiGLU activation on the vectorised exponential
// (ExpSub). Every result stays deterministic and independent of the thread
// count. docs/train-throughput.md compares the step time with PyTorch's.
//
// Every op is written once, generic over float32 and float64 (type Float):
// training runs in float32, and the tests evaluate the very same code in
// float64 to check each backward function against central finite
// differences.
//
// # Tokenizers, data and presets
//
// Text reaches the model through the Tokenizer interface: TextTokenizer
// wraps a Llama 4-format tokenizer (package tokenizer), normally a BPE
// vocabulary that tokenizer.TrainBPE learns from the training part of the
// text (SplitText) and that is saved beside the model as tokenizer.model, so
// a trained model runs with exactly the tokenizer code real Llama 4 models
// use; ByteTokenizer is a byte-level stop-gap. Validation bits per byte are
// the total loss over the evaluated targets divided by ln 2 and by the bytes
// of text those targets stand for (Dataset.TokenBytes), so they compare
// across tokenizers. A Preset (LookupPreset) is a named, reproducible recipe
// — model shape, tokenizer, data and options — such as "shakespeare", the
// recipe of herd's embedded default model.
//
// A run directory holds the resumable checkpoint (float32), the Hugging Face
// export (config.json + model.safetensors, float32 or rounded to
// Options.ExportDType), log.csv and its plot loss.png (WriteLossPlot).
package train
