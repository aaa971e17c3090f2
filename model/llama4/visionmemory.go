package llama4

import (
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/vision"
)

// WeightBytes is the memory the tower's, adapter's and projector's weights
// take as bound (after any quantization).
func (v *Vision) WeightBytes() int64 { return v.Model.Weights.Bytes() }

// ScratchBytes is the activation memory of encoding one image of the most
// tiles v's preprocessing makes (MaxTiles, +1 global tile when more than
// one), in bytes: VisionScratchBytes.
func (v *Vision) ScratchBytes() int64 {
	return VisionScratchBytes(v.Model.Config, v.Preprocess.MaxTiles)
}

// Resident is v as a model held beside a text model for a whole run, for
// its memory plan: its weights and one image's scratch, named name, with
// hint saying what lowers it.
func (v *Vision) Resident(name, hint string) kvcache.Resident {
	return kvcache.Resident{Name: name, WeightBytes: v.WeightBytes(), ScratchBytes: v.ScratchBytes(), Hint: hint}
}

// VisionScratchBytes is the activation memory of encoding one image of
// maxTiles tiles (+1 global tile when more than one) with the tower shaped
// c, in bytes: the image's float32 pixels and projected features, and the
// buffers of the one tile being encoded (vision.Model.EncodeTile; tiles run
// one after another). With S the tile side, C the channels, p the patch
// side, P = (S/p)² patches, N = P+1 tokens (the class token), D the width,
// d = D/heads, I the MLP width, T the tokens per tile, E the text model's
// width and n the tiles:
//
//	4 · [ n·(C·S² + T·E)                                  pixels, features
//	    + P·C·p² + N·D                                    unfolded patches, residual
//	    + 6·N·D + N·I + 4·N·d + N²                        a layer's buffers
//	    + T·(ShuffledDim + AdapterDim + OutputDim) ]      pixel shuffle, adapter
//
// About 115 MiB for Scout's tower (16 tiles + 1 of 336 pixels).
func VisionScratchBytes(c vision.Config, maxTiles int) int64 {
	n := int64(max(maxTiles, 1))
	if n > 1 {
		n++ // the global tile
	}
	S, C, E := int64(c.TileSize), int64(c.Channels), int64(c.TextHidden)
	P, D, I := int64(c.Patches()), int64(c.Hidden), int64(c.Intermediate)
	N, d, T := P+1, int64(c.HeadDim()), int64(c.TokensPerTile())
	floats := n*(C*S*S+T*E) +
		P*int64(c.PatchDim()) + N*D +
		6*N*D + N*I + 4*N*d + N*N +
		T*int64(c.ShuffledDim()+c.AdapterDim+c.OutputDim)
	return 4 * floats
}
