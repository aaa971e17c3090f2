package train

import (
	"testing"

	"github.com/herd-llm/herd/model/llama4"
)

// BenchmarkTrainStep measures one optimizer step (forward, backward, AdamW)
// of a 4-layer, D=128 byte-level model on 8×128 tokens.
func BenchmarkTrainStep(b *testing.B) {
	js := `{"model_type":"llama4_text","vocab_size":259,"hidden_size":128,"intermediate_size":256,
	"intermediate_size_mlp":512,"num_hidden_layers":4,"num_attention_heads":4,"num_key_value_heads":2,
	"head_dim":32,"num_local_experts":4,"interleave_moe_layer_step":2,"attention_chunk_size":64,
	"bos_token_id":256,"eos_token_id":257,"pad_token_id":258,"max_position_embeddings":1024}`
	cfg, err := llama4.ParseConfig([]byte(js))
	if err != nil {
		b.Fatal(err)
	}
	data, err := NewTextDataset([]byte(corpus+corpus+corpus), ByteTokenizer{}, 0.1)
	if err != nil {
		b.Fatal(err)
	}
	o := DefaultOptions()
	o.Batch, o.SeqLen, o.Steps, o.Warmup = 8, 128, b.N+1, 0
	tr, err := NewTrainer(cfg, o, data)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := tr.TrainStep(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*o.Batch*o.SeqLen)/b.Elapsed().Seconds(), "tok/s")
}
