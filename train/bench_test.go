package train

import (
	"slices"
	"testing"
	"time"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
)

// BenchmarkTrainStep measures one optimizer step (forward, backward, AdamW)
// of a 4-layer, D=128 byte-level model on 8×128 tokens.
func BenchmarkTrainStep(b *testing.B) {
	js := `{"model_type":"llama4_text","vocab_size":259,"hidden_size":128,"intermediate_size":256,
	"intermediate_size_mlp":512,"num_hidden_layers":4,"num_attention_heads":4,"num_key_value_heads":2,
	"head_dim":32,"num_local_experts":4,"interleave_moe_layer_step":2,"attention_chunk_size":64,
	"bos_token_id":256,"eos_token_id":257,"pad_token_id":258,"max_position_embeddings":1024}`
	cfg, err := checkpoint.ParseConfig([]byte(js))
	if err != nil {
		b.Fatal(err)
	}
	benchTrain(b, cfg, 8, 128)
}

// BenchmarkTrainDense and BenchmarkTrainMoE are the throughput comparison
// with PyTorch (docs/train-throughput.md): nanoGPT's CPU shape (B=12, T=64,
// 4 layers, 128 wide, 4 heads) as a Llama 4 dense model, and a Llama-4-shaped
// MoE of similar size, the configs in tools/torchbench, which
// tools/torchbench/nanogpt_cpu.py mirrors in PyTorch. Besides Go's mean they
// report the median and the fastest step's tokens/s (med-tok/s, best-tok/s),
// as the PyTorch script does.
func BenchmarkTrainDense(b *testing.B) { benchTrainFile(b, "../tools/torchbench/llama_dense.json") }
func BenchmarkTrainMoE(b *testing.B)   { benchTrainFile(b, "../tools/torchbench/llama_moe.json") }

func benchTrainFile(b *testing.B, path string) {
	cfg, err := checkpoint.LoadConfig(path)
	if err != nil {
		b.Fatal(err)
	}
	benchTrain(b, cfg, 12, 64)
}

func benchTrain(b *testing.B, cfg *llama4.Config, batch, seq int) {
	data := byteData(b, corpus+corpus+corpus, 0.1)
	o := DefaultOptions()
	o.Batch, o.SeqLen, o.Steps, o.Warmup = batch, seq, b.N+1, 0
	tr := trainerOn(b, cfg, o, data)
	if _, err := tr.TrainStep(); err != nil { // warm-up: first touch of every buffer
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if _, err := tr.TrainStep(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	tok := float64(o.Batch * o.SeqLen)
	b.ReportMetric(tok*float64(b.N)/b.Elapsed().Seconds(), "tok/s")
	slices.Sort(times)
	b.ReportMetric(tok/times[len(times)/2].Seconds(), "med-tok/s")
	b.ReportMetric(tok/times[0].Seconds(), "best-tok/s")
}
