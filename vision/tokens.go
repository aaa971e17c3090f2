package vision

import "fmt"

// Tokens are the ids of the special tokens of an image's prompt layout
// (spec §4.3 and §5.6).
type Tokens struct {
	Patch      int32 // <|patch|> (200092): the rows that receive image features
	ImageStart int32 // <|image_start|> (200080)
	ImageEnd   int32 // <|image_end|> (200081)
	Image      int32 // <|image|> (200090): the placeholder, and the mark before the global tile
	TileX      int32 // <|tile_x_separator|> (200084)
	TileY      int32 // <|tile_y_separator|> (200085)
}

// LlamaTokens are the ids of the released Llama 4 vocabulary.
var LlamaTokens = Tokens{Patch: 200092, ImageStart: 200080, ImageEnd: 200081, Image: 200090, TileX: 200084, TileY: 200085}

// TokenNames are the names of the six tokens, in the order of the Tokens fields.
var TokenNames = [6]string{"<|patch|>", "<|image_start|>", "<|image_end|>", "<|image|>", "<|tile_x_separator|>", "<|tile_y_separator|>"}

// TokensByName looks the six ids up with a tokenizer's name→id function.
func TokensByName(id func(name string) (int32, bool)) (Tokens, error) {
	var v [6]int32
	for i, n := range TokenNames {
		x, ok := id(n)
		if !ok {
			return Tokens{}, fmt.Errorf("vision: the tokenizer has no %s token", n)
		}
		v[i] = x
	}
	return Tokens{Patch: v[0], ImageStart: v[1], ImageEnd: v[2], Image: v[3], TileX: v[4], TileY: v[5]}, nil
}

// Layout returns the token ids that stand for one image of rows×cols tiles,
// with perTile <|patch|> tokens per tile (spec §5.6; the reference
// processor's _prompt_split_image):
//
//	<|image_start|>
//	  for each tile row: (P patches, <|tile_x_separator|> between tiles), <|tile_y_separator|>   (only when rows·cols > 1)
//	<|image|> P patches (the global tile, or the only tile)
//	<|image_end|>
func (tk Tokens) Layout(rows, cols, perTile int) []int32 {
	out := make([]int32, 0, LayoutLen(rows, cols, perTile))
	out = append(out, tk.ImageStart)
	patches := func() {
		for i := 0; i < perTile; i++ {
			out = append(out, tk.Patch)
		}
	}
	if rows*cols > 1 {
		for y := 0; y < rows; y++ {
			for x := 0; x < cols; x++ {
				patches()
				if x < cols-1 {
					out = append(out, tk.TileX)
				}
			}
			out = append(out, tk.TileY)
		}
	}
	out = append(out, tk.Image)
	patches()
	return append(out, tk.ImageEnd)
}

// LayoutLen is len(Layout(rows, cols, perTile)): 3 + P for one tile,
// 3 + (rows·cols + 1)·P + rows·cols separators otherwise (147 and 727 for
// one tile and 2×2 tiles of the released model).
func LayoutLen(rows, cols, perTile int) int {
	if rows*cols <= 1 {
		return 3 + perTile
	}
	return 3 + (rows*cols+1)*perTile + rows*cols
}
