package modelflags

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/herd-llm/herd/internal/describe"
	"github.com/herd-llm/herd/internal/imageprompt"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

// Images collects repeatable --image FILE flags, in order.
type Images []string

// String implements flag.Value.
func (f *Images) String() string { return strings.Join(*f, ",") }

// Set implements flag.Value: each --image appends a path.
func (f *Images) Set(v string) error {
	if v == "" {
		return fmt.Errorf("empty image path")
	}
	*f = append(*f, v)
	return nil
}

// ImageHelp is the help of --image.
const ImageHelp = "an image (PNG, JPEG, GIF or WebP) for the prompt; repeat for several, in prompt order"

// LoadImageInput loads the vision tower of a model directory, quantized
// like the text model (imageprompt.Load), saying what was quantized unless
// quiet.
func LoadImageInput(dir string, m *llama4.Model, tok *tokenizer.Tokenizer, quant string, stderr io.Writer, quiet bool) (*imageprompt.Input, error) {
	in, rep, err := imageprompt.Load(dir, m, tok, quant)
	if err != nil {
		return nil, err
	}
	if rep != nil && !quiet {
		fmt.Fprintf(stderr, "vision quantized to %s: %d matrices converted (%s), %d kept\n", rep.Scheme, rep.Converted, describe.TypeCounts(rep.ByType), rep.Kept)
	}
	return in, nil
}

// ServeVision loads the vision tower for herd serve when the model is a
// Hugging Face directory whose config has a vision_config, quantized like
// the text model. A checkpoint without vision tensors serves text only (with
// a warning); other errors stop the server.
func ServeVision(dir string, m *llama4.Model, tok *tokenizer.Tokenizer, quant string, stderr io.Writer) (*llama4.Vision, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() || m.Config.Vision == nil {
		return nil, nil
	}
	in, err := LoadImageInput(dir, m, tok, quant, stderr, false)
	if err != nil {
		if strings.Contains(err.Error(), "no vision_model.* tensors") {
			fmt.Fprintf(stderr, "herd serve: %v; serving text only\n", err)
			return nil, nil
		}
		return nil, err
	}
	return in.V, nil
}
