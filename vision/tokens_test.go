package vision

import (
	"fmt"
	"slices"
	"testing"
)

// TestTokenCountEveryCanvas checks, for every tiling up to 16 tiles at the
// released tile size, that an image of exactly that shape gets that canvas,
// and that its layout has the length of spec §5.6's formula with the right
// number of each special token.
func TestTokenCountEveryCanvas(t *testing.T) {
	cfg := ScoutConfig()
	P := cfg.TokensPerTile()
	if P != 144 {
		t.Fatalf("tokens per tile %d, want 144", P)
	}
	tk := LlamaTokens
	seen := 0
	for n := 1; n <= 16; n++ {
		for a := 1; a <= n; a++ {
			if n%a != 0 {
				continue
			}
			b := n / a
			seen++
			t.Run(fmt.Sprintf("%dx%d", a, b), func(t *testing.T) {
				cv := bestCanvas(a*336, b*336, 336, 16, false)
				if cv != (Canvas{a, b}) {
					t.Fatalf("a %d×%d-pixel image got canvas %v", a*336, b*336, cv)
				}
				ids := tk.Layout(a, b, P)
				want := 1 + P + 2 // <|image_start|> <|image|> P <|image_end|>
				if a*b > 1 {
					want = 1 + a*(b*P+(b-1)+1) + 1 + P + 1
				}
				if len(ids) != want || LayoutLen(a, b, P) != want {
					t.Fatalf("layout has %d tokens (LayoutLen %d), formula says %d", len(ids), LayoutLen(a, b, P), want)
				}
				count := map[int32]int{}
				for _, id := range ids {
					count[id]++
				}
				tiles := a * b
				if tiles > 1 {
					tiles++ // the global tile
				}
				xs, ys := (b-1)*a, a
				if a*b == 1 {
					xs, ys = 0, 0
				}
				for _, c := range []struct {
					name      string
					got, want int
				}{{"patch", count[tk.Patch], tiles * P}, {"image", count[tk.Image], 1}, {"start", count[tk.ImageStart], 1},
					{"end", count[tk.ImageEnd], 1}, {"tile_x", count[tk.TileX], xs}, {"tile_y", count[tk.TileY], ys}} {
					if c.got != c.want {
						t.Errorf("%s tokens: %d, want %d", c.name, c.got, c.want)
					}
				}
				if ids[0] != tk.ImageStart || ids[len(ids)-1] != tk.ImageEnd || ids[len(ids)-P-2] != tk.Image {
					t.Errorf("layout does not start with <|image_start|> and end with <|image|> P <|image_end|>")
				}
			})
		}
	}
	if seen != len(candidateCanvases(16)) {
		t.Errorf("checked %d tilings, the candidate list has %d", seen, len(candidateCanvases(16)))
	}
	if got := LayoutLen(1, 1, P); got != 147 {
		t.Errorf("one tile: %d tokens, want 147", got)
	}
	if got := LayoutLen(2, 2, P); got != 727 {
		t.Errorf("2×2 tiles: %d tokens, want 727", got)
	}
}

// TestLayoutSmall spells out a 1×2 layout with 2 patches per tile.
func TestLayoutSmall(t *testing.T) {
	tk := Tokens{Patch: 9, ImageStart: 1, ImageEnd: 2, Image: 3, TileX: 4, TileY: 5}
	for _, tc := range []struct {
		rows, cols int
		want       []int32
	}{
		{1, 1, []int32{1, 3, 9, 9, 2}},
		{1, 2, []int32{1, 9, 9, 4, 9, 9, 5, 3, 9, 9, 2}},
		{2, 1, []int32{1, 9, 9, 5, 9, 9, 5, 3, 9, 9, 2}},
	} {
		if got := tk.Layout(tc.rows, tc.cols, 2); !slices.Equal(got, tc.want) {
			t.Errorf("%d×%d: %v, want %v", tc.rows, tc.cols, got, tc.want)
		}
	}
}

func TestTokensByName(t *testing.T) {
	names := map[string]int32{"<|patch|>": 200092, "<|image_start|>": 200080, "<|image_end|>": 200081,
		"<|image|>": 200090, "<|tile_x_separator|>": 200084, "<|tile_y_separator|>": 200085}
	lookup := func(n string) (int32, bool) { id, ok := names[n]; return id, ok }
	tk, err := TokensByName(lookup)
	if err != nil || tk != LlamaTokens {
		t.Fatalf("got %+v, %v; want %+v", tk, err, LlamaTokens)
	}
	delete(names, "<|tile_y_separator|>")
	if _, err := TokensByName(lookup); err == nil {
		t.Fatal("a missing token was not reported")
	}
}
