package train

import (
	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
)

// ConfigJSON is checkpoint.ConfigJSON, the one Hugging Face config.json
// writer (torch_dtype: cfg.TorchDType when it is one of ExportDTypes,
// float32 otherwise).
func ConfigJSON(cfg *llama4.Config) ([]byte, error) { return checkpoint.ConfigJSON(cfg) }
