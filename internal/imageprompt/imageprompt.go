// Package imageprompt turns image files into a Llama 4 prompt's image
// tokens for herd's commands: the vision tower of a model directory loaded
// (and quantized like the text model), the files read under the tower's
// limits, <|image|> placeholders counted or inserted, and each placeholder
// fused into the image's token layout and features.
package imageprompt

import (
	"fmt"
	"os"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/vision"
)

// settingError is an error in what the caller asked for (a usage error on
// a command line): its UsageError method says so.
type settingError struct{ error }

func (settingError) UsageError() bool { return true }

// Input is the vision side of a prompt: the tower and the image token ids.
// The caller closes V.
type Input struct {
	V      *llama4.Vision
	Tokens vision.Tokens
}

// Load loads the vision tower of the model directory dir, quantized per the
// --quant scheme quant ("" or "none": as stored), and finds the image token
// ids (by name in tok when there is one). The report says what was
// quantized (nil when nothing was).
func Load(dir string, m *llama4.Model, tok *tokenizer.Tokenizer, quant string) (*Input, *checkpoint.QuantReport, error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return nil, nil, fmt.Errorf("images need a Hugging Face model directory (%s is a file; GGUF files carry no vision tower here)", dir)
	}
	v, err := llama4.LoadVision(dir, m.Config)
	if err != nil {
		return nil, nil, err
	}
	var rep *checkpoint.QuantReport
	if quant != "" && quant != "none" {
		s, err := checkpoint.ParseScheme(quant)
		if err == nil {
			rep, err = checkpoint.QuantizeVision(v, s)
		}
		if err != nil {
			v.Close()
			return nil, nil, settingError{fmt.Errorf("--quant: %w", err)}
		}
	}
	var lookup func(string) (int32, bool)
	if tok != nil {
		lookup = tok.TokenID
	}
	tk, err := m.Config.ImageTokens(lookup)
	if err != nil {
		v.Close()
		return nil, nil, err
	}
	return &Input{V: v, Tokens: tk}, rep, nil
}

// Fuse reads the image files and expands each <|image|> placeholder of ids
// into the image's token layout (llama4.Vision.Fuse).
func (in *Input) Fuse(ids []int32, paths []string) (*llama4.ImagePrompt, error) {
	pixels, err := in.Read(paths)
	if err != nil {
		return nil, err
	}
	return in.V.Fuse(ids, pixels, in.Tokens)
}

// Read decodes and preprocesses image files, naming the file in errors.
func (in *Input) Read(paths []string) ([]*vision.Pixels, error) {
	if len(paths) > in.V.MaxImages {
		return nil, fmt.Errorf("%d images exceed the limit of %d per prompt", len(paths), in.V.MaxImages)
	}
	out := make([]*vision.Pixels, len(paths))
	for i, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", p, err)
		}
		if lim := in.V.Limits.MaxBytes; lim > 0 && st.Size() > int64(lim) {
			return nil, fmt.Errorf("image %s: %d bytes exceed the limit of %d", p, st.Size(), lim)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", p, err)
		}
		if out[i], err = in.V.PrepareImage(b); err != nil {
			return nil, fmt.Errorf("image %s: %w", p, err)
		}
	}
	return out, nil
}

// Placeholders makes sure a tokenized text prompt holds one <|image|> per
// image: a prompt without any gets them right after <|begin_of_text|>, in
// order; a prompt that has some must have exactly as many as there are
// images (else a usage error).
func (in *Input) Placeholders(ids []int32, bos int32, n int) ([]int32, error) {
	have := 0
	for _, id := range ids {
		if id == in.Tokens.Image {
			have++
		}
	}
	switch {
	case have == n:
		return ids, nil
	case have > 0:
		return nil, settingError{fmt.Errorf("the prompt has %d <|image|> placeholders but %d images were given", have, n)}
	}
	at := 0
	if len(ids) > 0 && ids[0] == bos {
		at = 1
	}
	out := append([]int32(nil), ids[:at]...)
	for i := 0; i < n; i++ {
		out = append(out, in.Tokens.Image)
	}
	return append(out, ids[at:]...), nil
}

// Parts is a user message's content: n images, then the text.
func Parts(n int, text string) []chat.Part {
	parts := make([]chat.Part, 0, n+1)
	for i := 0; i < n; i++ {
		parts = append(parts, chat.Part{Image: true})
	}
	return append(parts, chat.Part{Text: text})
}
