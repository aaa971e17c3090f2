// Package train trains Llama 4 text models: forward with saved activations,
// explicit per-op backward functions (llm.c style, no autograd), the
// cross-entropy loss, AdamW, the learning-rate schedule, gradient clipping and
// accumulation, deterministic data sampling and atomic, resumable checkpoints.
//
// Parameters are held in Hugging Face Llama4ForCausalLM layout: the same
// names and shapes as the checkpoint tensors, including the input-major 3-D
// expert stacks experts.gate_up_proj [E, D, 2F] and experts.down_proj
// [E, F, D]. A trained model is written as a Hugging Face directory
// (config.json + model.safetensors) that checkpoint.LoadHF reads.
//
// The math follows docs/llama4-spec.md §2 and the training reference in
// train/testdata (README-reference.md): the configuration comes from
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
// Text reaches the model through package dataset: its Tokenizer interface
// takes a TextTokenizer, a Llama 4-format tokenizer (package tokenizer),
// normally a BPE vocabulary that tokenizer.TrainBPE learns from the training
// part of the text (dataset.SplitText) and that is saved beside the model as
// tokenizer.model, so a trained model runs with exactly the tokenizer code
// real Llama 4 models use; ByteTokenizer is a byte-level stop-gap.
// Validation bits per byte are the total loss over the evaluated targets
// divided by ln 2 and by the bytes of text those targets stand for
// (Dataset.TokenBytes), so they compare across tokenizers. A Preset (LookupPreset) is a named, reproducible recipe
// — model shape, tokenizer, data and options — such as "shakespeare", the
// recipe of herd's embedded default model.
//
// Options.MetaP selects the MetaP parametrisation (package train/metap): µP for
// width and CompleteP for depth, folded into per-group init scales and
// AdamW learning-rate multipliers so that the forward pass, and the
// exported model, are unchanged (docs/metap.md).
//
// A run directory holds the resumable checkpoint (float32), the Hugging Face
// export (config.json + model.safetensors, float32 or rounded to
// Options.ExportDType), and the run log of package runlog: log.csv, its plot
// loss.png and, for MoE models, experts.png, the tokens per expert over
// training.
//
// # FP8 simulation and expert balancing
//
// Options.FP8 simulates FP8 training (fp8.go): the inputs of the decoder
// layers' linear products are scaled from their amax (per tensor or per row
// along the contraction), rounded to E4M3 (output gradients to E5M2 in
// "hybrid"), multiplied with float32 accumulation and unscaled; master
// weights and AdamW stay float32, and FP8Stats count overflow and
// underflow. Options.Balance keeps the routed experts in use (balance.go):
// "bias" is torchtitan/DeepSeek-V3 auxiliary-loss-free balancing (a
// per-expert bias on the selection scores only, updated after each step,
// saved in the checkpoint but not exported), "aux" the Switch Transformer
// auxiliary loss. Meta has not published Llama 4's balancing method; see
// docs/fp8.md and docs/moe-balance.md for measurements.
package train
