package ckpt

import (
	"fmt"

	"github.com/herd-llm/herd/format/safetensors"
)

// Open opens the checkpoint at path and checks that its "format"
// metadata is format; what names the kind of run in the error ("a herd
// fine-tuning checkpoint"). The caller closes the file.
func Open(path, format, what string) (*safetensors.File, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	if got := f.Header.Metadata["format"]; got != format {
		f.Close()
		return nil, fmt.Errorf("%s: not %s (format %q)", path, what, got)
	}
	return f, nil
}
