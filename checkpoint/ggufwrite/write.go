package ggufwrite

import (
	"fmt"
	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/model/llama4"
	"io"
)

// Options choose what Write writes.
type Options struct {
	// Type is the file type (the zero value is f32).
	Type FileType
	// Name is general.name ("" to leave it out).
	Name string
	// Extra metadata appended after the model's (the tokenizer's).
	Extra []gguf.KV
	// Progress, when non-nil, follows the two long steps: "convert" (the
	// bytes of the matrices converted or quantized) and "write" (the bytes
	// of the file written).
	Progress checkpoint.Progress
}

// Report says what Convert did.
type Report struct {
	Type     FileType
	ByType   map[string]int // matrices (expert stacks count once) per ggml type
	Warnings []string       // values llama.cpp will not honour
}

// Write converts the model in place to opt.Type (Convert) and
// writes it as a llama4 GGUF that llama.cpp loads: its metadata
// (Metadata), opt.Extra (the tokenizer), then the tensors
// (Tensors).
func Write(w io.Writer, m *llama4.Model, opt Options) (*Report, error) {
	kvs, warn, err := Metadata(m, opt.Type, opt.Name)
	if err != nil {
		return nil, err
	}
	rep, err := convert(m, opt.Type, opt.Progress)
	if err != nil {
		return nil, err
	}
	rep.Warnings = warn
	ts, err := Tensors(m)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if len(t.Dims) >= 2 {
			rep.ByType[t.Type.String()]++
		}
	}
	kvs = append(kvs, opt.Extra...)
	err = checkpoint.WriteMetered(w, opt.Progress, func(w io.Writer) error { return gguf.Write(w, kvs, ts, 0) })
	if err != nil {
		return nil, fmt.Errorf("llama4: %w", err)
	}
	return rep, nil
}
