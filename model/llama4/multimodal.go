package llama4

import (
	"fmt"

	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/vision"
)

// ImageTokens returns the ids of the image special tokens. With a tokenizer
// (lookup = Tokenizer.TokenID) they are looked up by name and checked
// against the config's image_token_index, boi_token_index and
// eoi_token_index; without one, the released Llama 4 ids are used when the
// config agrees with them.
func (c *Config) ImageTokens(lookup func(name string) (int32, bool)) (vision.Tokens, error) {
	v := c.Vision
	if v == nil {
		return vision.Tokens{}, fmt.Errorf("llama4: the model has no vision_config")
	}
	var tk vision.Tokens
	if lookup != nil {
		var err error
		if tk, err = vision.TokensByName(lookup); err != nil {
			return tk, err
		}
	} else {
		tk = vision.LlamaTokens
		if int(tk.Patch) != v.PatchTokenID || int(tk.ImageStart) != v.ImageStartID || int(tk.ImageEnd) != v.ImageEndID {
			return tk, fmt.Errorf("llama4: the model has no tokenizer to look up <|image|> and the tile separators, and its image ids (patch %d, start %d, end %d) are not Llama 4's", v.PatchTokenID, v.ImageStartID, v.ImageEndID)
		}
	}
	for _, chk := range []struct {
		name      string
		got, want int
	}{{"<|patch|> (image_token_index)", int(tk.Patch), v.PatchTokenID}, {"<|image_start|> (boi_token_index)", int(tk.ImageStart), v.ImageStartID},
		{"<|image_end|> (eoi_token_index)", int(tk.ImageEnd), v.ImageEndID}} {
		if chk.got != chk.want {
			return tk, fmt.Errorf("llama4: the tokenizer's %s is %d but config.json says %d", chk.name, chk.got, chk.want)
		}
	}
	for i, id := range []int32{tk.Patch, tk.ImageStart, tk.ImageEnd, tk.Image, tk.TileX, tk.TileY} {
		if id < 0 || int(id) >= c.VocabSize {
			return tk, fmt.Errorf("llama4: %s id %d is outside the vocabulary of %d", vision.TokenNames[i], id, c.VocabSize)
		}
	}
	return tk, nil
}

// PrepareImage decodes an encoded image (PNG, JPEG, GIF or WebP) within the
// limits and preprocesses it into tiles.
func (v *Vision) PrepareImage(data []byte) (*vision.Pixels, error) {
	img, err := vision.Decode(data, v.Limits)
	if err != nil {
		return nil, err
	}
	return vision.Preprocess(img, v.Preprocess)
}

// ExpandImages replaces the i-th occurrence of the <|image|> placeholder
// (tk.Image) in ids by the token layout of imgs[i] (spec §5.6), as the
// reference processor expands the chat template's placeholders. The number
// of placeholders must equal the number of images.
func (v *Vision) ExpandImages(ids []int32, imgs []*vision.Pixels, tk vision.Tokens) ([]int32, error) {
	out, _, err := v.expand(ids, imgs, tk)
	return out, err
}

// expand is ExpandImages that also returns where each image's layout starts.
func (v *Vision) expand(ids []int32, imgs []*vision.Pixels, tk vision.Tokens) ([]int32, []int, error) {
	if len(imgs) > v.MaxImages {
		return nil, nil, fmt.Errorf("llama4: %d images exceed the limit of %d per prompt", len(imgs), v.MaxImages)
	}
	n := 0
	for _, id := range ids {
		if id == tk.Image {
			n++
		}
	}
	if n != len(imgs) {
		return nil, nil, fmt.Errorf("llama4: the prompt has %d <|image|> placeholders (id %d) but %d images were given", n, tk.Image, len(imgs))
	}
	per := v.Model.Config.TokensPerTile()
	out := make([]int32, 0, len(ids))
	starts := make([]int, 0, len(imgs))
	k := 0
	for _, id := range ids {
		if id != tk.Image {
			out = append(out, id)
			continue
		}
		starts = append(starts, len(out))
		out = append(out, tk.Layout(imgs[k].Rows, imgs[k].Cols, per)...)
		k++
	}
	return out, starts, nil
}

// ImagePrompt is a prompt whose images are expanded and encoded: IDs are
// what the model and its cache see; on the rows where UseEmbed is set, the
// projected image features in Embeds replace the token embeddings (early
// fusion, spec §5.7). Pass it to Model.ForwardBatch as Seq.Embeds and
// Seq.UseEmbed (or slices of them, row-aligned with a slice of IDs).
type ImagePrompt struct {
	IDs      []int32
	Embeds   []float32 // [len(IDs), D]; rows without UseEmbed are zero
	UseEmbed []bool    // len(IDs): true at every <|patch|> row
	Starts   []int     // per image, the row of its <|image_start|>
}

// Fuse expands the <|image|> placeholders of ids into the images' layouts
// and runs the vision tower on every tile (vision runs at prefill only),
// placing the features of all images, in prompt order, tiles first and then
// the global tile, on the <|patch|> rows in order.
func (v *Vision) Fuse(ids []int32, imgs []*vision.Pixels, tk vision.Tokens) (*ImagePrompt, error) {
	if _, _, err := v.expand(ids, imgs, tk); err != nil {
		return nil, err // before the expensive part
	}
	feats, err := v.Encode(imgs)
	if err != nil {
		return nil, err
	}
	return v.FuseEncoded(ids, imgs, feats, tk)
}

// Encode runs the vision tower on each image, giving per image its feature
// rows [tiles·TokensPerTile, TextHidden].
func (v *Vision) Encode(imgs []*vision.Pixels) ([][]float32, error) {
	feats := make([][]float32, len(imgs))
	for i, px := range imgs {
		var err error
		if feats[i], err = v.Model.Encode(px); err != nil {
			return nil, fmt.Errorf("llama4: image %d: %w", i+1, err)
		}
	}
	return feats, nil
}

// FuseEncoded is Fuse with the images' features already computed by Encode
// (a conversation encodes each image once).
func (v *Vision) FuseEncoded(ids []int32, imgs []*vision.Pixels, feats [][]float32, tk vision.Tokens) (*ImagePrompt, error) {
	full, starts, err := v.expand(ids, imgs, tk)
	if err != nil {
		return nil, err
	}
	if len(feats) != len(imgs) {
		return nil, fmt.Errorf("llama4: %d feature sets for %d images", len(feats), len(imgs))
	}
	D := v.Model.Config.TextHidden
	rows := 0
	for _, f := range feats {
		rows += len(f) / D
	}
	p, err := fuseRows(full, feats, tk.Patch, D, rows)
	if err != nil {
		return nil, err
	}
	p.Starts = starts
	return p, nil
}

// fuseRows builds an ImagePrompt from expanded ids and the per-image feature
// rows, which must be exactly as many as the <|patch|> ids.
func fuseRows(ids []int32, feats [][]float32, patch int32, D, rows int) (*ImagePrompt, error) {
	p := &ImagePrompt{IDs: ids, Embeds: make([]float32, len(ids)*D), UseEmbed: make([]bool, len(ids))}
	n := 0
	for _, id := range ids {
		if id == patch {
			n++
		}
	}
	if n != rows {
		return nil, fmt.Errorf("llama4: the prompt has %d <|patch|> tokens (id %d) but the images give %d feature rows", n, patch, rows)
	}
	img, off := 0, 0
	for t, id := range ids {
		if id != patch {
			continue
		}
		for off*D >= len(feats[img]) {
			img, off = img+1, 0
		}
		copy(p.Embeds[t*D:(t+1)*D], feats[img][off*D:(off+1)*D])
		p.UseEmbed[t] = true
		off++
	}
	return p, nil
}

// Slice returns the rows [i, j) of the prompt as a forward-pass sequence.
func (p *ImagePrompt) Slice(cache *kvcache.Cache, i, j int, allLogits bool) Seq {
	D := len(p.Embeds) / max(len(p.IDs), 1)
	return Seq{Cache: cache, IDs: p.IDs[i:j], AllLogits: allLogits, Embeds: p.Embeds[i*D : j*D], UseEmbed: p.UseEmbed[i:j]}
}
