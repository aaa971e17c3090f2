package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/vision"
)

// imageFlags collects repeatable --image FILE flags, in order.
type imageFlags []string

// String implements flag.Value.
func (f *imageFlags) String() string { return strings.Join(*f, ",") }

// Set implements flag.Value: each --image appends a path.
func (f *imageFlags) Set(v string) error {
	if v == "" {
		return fmt.Errorf("empty image path")
	}
	*f = append(*f, v)
	return nil
}

const imageHelp = "an image (PNG, JPEG, GIF or WebP) for the prompt; repeat for several, in prompt order"

// imageInput is the vision side of a command: the tower, the image token
// ids and the images given so far.
type imageInput struct {
	v  *llama4.Vision
	tk vision.Tokens
}

// loadImageInput loads the vision tower of a model directory, quantized like
// the text model, and finds the image token ids (by name in the tokenizer
// when there is one).
func loadImageInput(dir string, m *llama4.Model, tok *tokenizer.Tokenizer, quant string, stderr io.Writer, quiet bool) (*imageInput, error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("images need a Hugging Face model directory (%s is a file; GGUF files carry no vision tower here)", dir)
	}
	v, err := llama4.LoadVision(dir, m.Config)
	if err != nil {
		return nil, err
	}
	if quant != "" && quant != "none" {
		s, err := checkpoint.ParseScheme(quant)
		var rep *checkpoint.QuantReport
		if err == nil {
			rep, err = checkpoint.QuantizeVision(v, s)
		}
		if err != nil {
			v.Close()
			return nil, usagef("--quant: %v", err)
		}
		if !quiet {
			fmt.Fprintf(stderr, "vision quantized to %s: %d matrices converted (%s), %d kept\n", rep.Scheme, rep.Converted, typeCounts(rep.ByType), rep.Kept)
		}
	}
	var lookup func(string) (int32, bool)
	if tok != nil {
		lookup = tok.TokenID
	}
	tk, err := m.Config.ImageTokens(lookup)
	if err != nil {
		v.Close()
		return nil, err
	}
	return &imageInput{v: v, tk: tk}, nil
}

// fuse reads the image files and expands each <|image|> placeholder of ids
// into the image's token layout (llama4.Vision.Fuse).
func (in *imageInput) fuse(ids []int32, paths []string) (*llama4.ImagePrompt, error) {
	pixels, err := in.read(paths)
	if err != nil {
		return nil, err
	}
	return in.v.Fuse(ids, pixels, in.tk)
}

// read decodes and preprocesses image files, naming the file in errors.
func (in *imageInput) read(paths []string) ([]*vision.Pixels, error) {
	if len(paths) > in.v.MaxImages {
		return nil, fmt.Errorf("%d images exceed the limit of %d per prompt", len(paths), in.v.MaxImages)
	}
	out := make([]*vision.Pixels, len(paths))
	for i, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", p, err)
		}
		if lim := in.v.Limits.MaxBytes; lim > 0 && st.Size() > int64(lim) {
			return nil, fmt.Errorf("image %s: %d bytes exceed the limit of %d", p, st.Size(), lim)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", p, err)
		}
		if out[i], err = in.v.PrepareImage(b); err != nil {
			return nil, fmt.Errorf("image %s: %w", p, err)
		}
	}
	return out, nil
}

// placeholders makes sure a tokenized text prompt holds one <|image|> per
// image: a prompt without any gets them right after <|begin_of_text|>, in
// order; a prompt that has some must have exactly as many as there are
// images.
func (in *imageInput) placeholders(ids []int32, bos int32, n int) ([]int32, error) {
	have := 0
	for _, id := range ids {
		if id == in.tk.Image {
			have++
		}
	}
	switch {
	case have == n:
		return ids, nil
	case have > 0:
		return nil, usagef("the prompt has %d <|image|> placeholders but %d images were given", have, n)
	}
	at := 0
	if len(ids) > 0 && ids[0] == bos {
		at = 1
	}
	out := append([]int32(nil), ids[:at]...)
	for i := 0; i < n; i++ {
		out = append(out, in.tk.Image)
	}
	return append(out, ids[at:]...), nil
}

// imageParts is a user message's content: the images, then the text.
func imageParts(n int, text string) []chat.Part {
	parts := make([]chat.Part, 0, n+1)
	for i := 0; i < n; i++ {
		parts = append(parts, chat.Part{Image: true})
	}
	return append(parts, chat.Part{Text: text})
}

// serveVision loads the vision tower for herd serve when the model is a
// Hugging Face directory whose config has a vision_config, quantized like
// the text model. A checkpoint without vision tensors serves text only (with
// a warning); other errors stop the server.
func serveVision(dir string, m *llama4.Model, tok *tokenizer.Tokenizer, quant string, stderr io.Writer) (*llama4.Vision, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() || m.Config.Vision == nil {
		return nil, nil
	}
	in, err := loadImageInput(dir, m, tok, quant, stderr, false)
	if err != nil {
		if strings.Contains(err.Error(), "no vision_model.* tensors") {
			fmt.Fprintf(stderr, "herd serve: %v; serving text only\n", err)
			return nil, nil
		}
		return nil, err
	}
	return in.v, nil
}
