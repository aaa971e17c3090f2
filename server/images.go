package server

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/vision"
)

// imagePart is one image of a chat request, in prompt order: its encoded
// bytes and the content part it came from (named in errors).
type imagePart struct {
	data  []byte
	param string // e.g. "messages[0].content[1]"
}

// parseImageURL decodes the url of an image_url content part. Only data URLs
// are accepted: "data:image/<type>;base64,<data>".
func parseImageURL(url string) ([]byte, error) {
	lower := strings.ToLower(url)
	if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		return nil, errors.New("only data URLs are supported (data:image/png;base64,...); herd does not fetch images")
	}
	rest, ok := strings.CutPrefix(url, "data:")
	if !ok {
		return nil, errors.New("image_url must be a data URL (data:image/png;base64,...)")
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, errors.New("malformed data URL: no comma before the data")
	}
	params := strings.Split(meta, ";")
	if !strings.HasPrefix(strings.ToLower(params[0]), "image/") {
		return nil, fmt.Errorf("data URL media type %q is not an image", params[0])
	}
	if !strings.EqualFold(params[len(params)-1], "base64") {
		return nil, errors.New("data URL must be base64-encoded (data:image/...;base64,...)")
	}
	payload = strings.TrimRight(payload, "=")
	b, err := base64.RawStdEncoding.DecodeString(payload)
	if err != nil {
		if b, err = base64.RawURLEncoding.DecodeString(payload); err != nil {
			return nil, fmt.Errorf("data URL: invalid base64: %v", err)
		}
	}
	return b, nil
}

// requestImages are a chat request's images, decoded and preprocessed, with
// the prompt expanded around them (the tower has not run yet).
type requestImages struct {
	v      *llama4.Vision
	tk     vision.Tokens
	prompt []int32 // with <|image|> placeholders
	pixels []*vision.Pixels
	ids    []int32 // expanded: what the model sees
}

// prepareImages decodes and preprocesses the images of a request and
// expands the prompt's placeholders. Bad image data is a 400 naming the
// content part.
func (s *Server) prepareImages(prompt []int32, imgs []imagePart) (*requestImages, *apiError) {
	v := s.o.Vision
	if v == nil {
		return nil, badRequest(imgs[0].param, "this model does not take images (it was loaded without a vision tower)")
	}
	if len(imgs) > v.MaxImages {
		return nil, badRequest("messages", fmt.Sprintf("%d images exceed the limit of %d per request", len(imgs), v.MaxImages))
	}
	tk, err := s.m.Config.ImageTokens(s.tok.TokenID)
	if err != nil {
		return nil, &apiError{Status: 500, Message: err.Error(), Type: "server_error"}
	}
	r := &requestImages{v: v, tk: tk, prompt: prompt}
	for _, im := range imgs {
		px, err := v.PrepareImage(im.data)
		if err != nil {
			return nil, badRequest(im.param, "invalid image: "+strings.TrimPrefix(err.Error(), "vision: "))
		}
		r.pixels = append(r.pixels, px)
	}
	if r.ids, err = v.ExpandImages(prompt, r.pixels, tk); err != nil {
		return nil, badRequest("messages", err.Error())
	}
	return r, nil
}

// encode runs the vision tower and fuses the features into the prompt.
func (r *requestImages) encode() (*llama4.ImagePrompt, *apiError) {
	p, err := r.v.Fuse(r.prompt, r.pixels, r.tk)
	if err != nil {
		return nil, &apiError{Status: 500, Message: err.Error(), Type: "server_error"}
	}
	return p, nil
}
