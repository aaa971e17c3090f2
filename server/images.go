package server

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/herd-llm/herd/engine"
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

// prepareImages decodes and preprocesses the images of a request and
// expands the prompt's placeholders; the engine runs the vision tower when it
// starts the request. Bad image data is a 400 naming the content part.
func (s *Server) prepareImages(prompt []int32, imgs []imagePart) (ids []int32, im *engine.Images, e *apiError) {
	v := s.o.Vision
	if v == nil {
		return nil, nil, badRequest(imgs[0].param, "this model does not take images (it was loaded without a vision tower)")
	}
	if len(imgs) > v.MaxImages {
		return nil, nil, badRequest("messages", fmt.Sprintf("%d images exceed the limit of %d per request", len(imgs), v.MaxImages))
	}
	tk, err := s.cfg.ImageTokens(s.tok.TokenID)
	if err != nil {
		return nil, nil, &apiError{Status: 500, Message: err.Error(), Type: "server_error"}
	}
	im = &engine.Images{Prompt: prompt}
	for _, p := range imgs {
		px, err := v.PrepareImage(p.data)
		if err != nil {
			return nil, nil, badRequest(p.param, "invalid image: "+strings.TrimPrefix(err.Error(), "vision: "))
		}
		im.Pixels = append(im.Pixels, px)
	}
	if ids, err = v.ExpandImages(prompt, im.Pixels, tk); err != nil {
		return nil, nil, badRequest("messages", err.Error())
	}
	return ids, im, nil
}
