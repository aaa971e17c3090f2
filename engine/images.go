package engine

import (
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/vision"
)

// ImageModel is a Model that can also encode images: the engine calls
// EncodeImages when a request with Images starts, in the scheduler.
type ImageModel interface {
	Model
	// EncodeImages expands the <|image|> placeholders of prompt into the
	// images' layouts and runs the vision tower (llama4.Vision.Fuse).
	EncodeImages(prompt []int32, pixels []*vision.Pixels) (*llama4.ImagePrompt, error)
}

// VisionModel is a text model with its vision tower: an ImageModel.
type VisionModel struct {
	Model
	Vision *llama4.Vision
	Tokens vision.Tokens // the image token ids (llama4.Config.ImageTokens)
}

// EncodeImages runs the vision tower and fuses the features into prompt.
func (v VisionModel) EncodeImages(prompt []int32, pixels []*vision.Pixels) (*llama4.ImagePrompt, error) {
	return v.Vision.Fuse(prompt, pixels, v.Tokens)
}
