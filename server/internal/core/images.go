package core

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"strings"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/vision"
)

// ImagePart is one image of a chat request, in prompt order: its encoded
// bytes and the content part it came from (named in errors).
type ImagePart struct {
	Data  []byte
	Param string // e.g. "messages[0].content[1]"
}

// ParseImageURL decodes the url of an image_url content part. Only data URLs
// are accepted: "data:image/<type>;base64,<data>".
func ParseImageURL(url string) ([]byte, error) {
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

// checkImages refuses a request's images from their headers alone, before
// any pixel is decoded: no vision tower, too many images, unreadable
// headers, or more pixels in all than Options.MaxImagePixels (or one image
// over the vision tower's own limit).
func (s *Core) checkImages(imgs []ImagePart) *APIError {
	v := s.o.Vision
	if v == nil {
		return BadRequest(imgs[0].Param, "this model does not take images (it was loaded without a vision tower)")
	}
	if len(imgs) > v.MaxImages {
		return BadRequest("messages", fmt.Sprintf("%d images exceed the limit of %d per request", len(imgs), v.MaxImages))
	}
	total := 0
	for _, p := range imgs {
		if v.Limits.MaxBytes > 0 && len(p.Data) > v.Limits.MaxBytes {
			return BadRequest(p.Param, fmt.Sprintf("invalid image: %d bytes exceed the limit of %d", len(p.Data), v.Limits.MaxBytes))
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(p.Data))
		if err != nil {
			if errors.Is(err, image.ErrFormat) {
				return BadRequest(p.Param, "invalid image: "+vision.ErrUnknownFormat.Error())
			}
			return BadRequest(p.Param, fmt.Sprintf("invalid image: %v: header: %v", vision.ErrCorrupt, err))
		}
		px := cfg.Width * cfg.Height
		if cfg.Width <= 0 || cfg.Height <= 0 {
			return BadRequest(p.Param, fmt.Sprintf("invalid image: %v: empty %s image (%d×%d)", vision.ErrCorrupt, format, cfg.Width, cfg.Height))
		}
		if lim := v.Limits.MaxPixels; lim > 0 && (cfg.Width > lim || cfg.Height > lim || px > lim) {
			return BadRequest(p.Param, fmt.Sprintf("invalid image: %v: %s of %d×%d pixels exceeds the limit of %d", vision.ErrTooLarge, format, cfg.Width, cfg.Height, lim))
		}
		if total += px; total > s.o.MaxImagePixels {
			return BadRequest(p.Param, fmt.Sprintf("the request's images hold more than %d pixels in all (this one is %d×%d); send smaller images", s.o.MaxImagePixels, cfg.Width, cfg.Height))
		}
	}
	return nil
}

// prepareImages decodes and preprocesses the images of a request, one
// worker turn (Options.Workers) per image, and expands the prompt's
// placeholders; the engine runs the vision tower when it starts the
// request. It stops between images once ctx ends. Bad image data is a 400
// naming the content part.
func (s *Core) prepareImages(ctx context.Context, prompt []int32, imgs []ImagePart) (ids []int32, im *engine.Images, e *APIError) {
	if e := s.checkImages(imgs); e != nil {
		return nil, nil, e
	}
	v := s.o.Vision
	tk, err := s.cfg.ImageTokens(s.tok.TokenID)
	if err != nil {
		return nil, nil, &APIError{Status: 500, Message: err.Error(), Type: "server_error"}
	}
	im = &engine.Images{Prompt: prompt}
	for _, p := range imgs {
		if e := s.acquire(ctx); e != nil {
			return nil, nil, e
		}
		if ctx.Err() != nil { // a turn may come free just as the client leaves
			s.release()
			return nil, nil, errClientClosed
		}
		s.met.Image()
		px, err := v.PrepareImage(p.Data)
		s.release()
		if err != nil {
			return nil, nil, BadRequest(p.Param, "invalid image: "+strings.TrimPrefix(err.Error(), "vision: "))
		}
		im.Pixels = append(im.Pixels, px)
	}
	if ids, err = v.ExpandImages(prompt, im.Pixels, tk); err != nil {
		return nil, nil, BadRequest("messages", err.Error())
	}
	return ids, im, nil
}
