package main

import (
	"fmt"
	"os"

	"github.com/herd-llm/herd/model/llama4"
)

// loadModel opens the model named by -m. Today that is a Hugging Face
// directory (config.json + safetensors).
func loadModel(path string) (*llama4.Model, error) {
	if path == "" {
		return nil, usagef("no model given: pass -m MODEL_DIR (a Hugging Face Llama 4 directory)")
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("model %s: not a directory (want a Hugging Face model directory with config.json and safetensors)", path)
	}
	return llama4.LoadHF(path)
}
