// Package vision is Llama 4's image path (spec docs/llama4-spec.md
// §1.4 and §5): decoding and preprocessing exactly as the Hugging Face
// Llama4ImageProcessorFast (canvas choice, antialiased bilinear resize, pad,
// bf16 rescale and normalise, tiles and the global tile), the vision encoder
// (patch embedding, class token last, positional embedding, pre/post
// LayerNorm, 2D RoPE, bidirectional attention, GELU MLPs), the pixel shuffle,
// the vision adapter, the projector into the text model's embedding space,
// and the prompt token layout of one image.
//
// Every weight matrix is a tensor.Mat multiplied with kernels.MatMul, the
// text model's kernel, so bf16, f32 and block-quantized weights all work.
//
// The pipeline for one image:
//
//	img, _ := vision.Decode(data, vision.DefaultLimits)  // RGB, alpha onto white
//	px, _ := vision.Preprocess(img, pre)                 // tiles [T, 3, S, S] in [-1, 1]
//	feats := model.Encode(px)                            // [T·P, TextHidden], P = patch tokens per tile
//	ids := tokens.Layout(px.Rows, px.Cols, P)            // the ids that replace <|image|>
//
// The rows of feats replace, in order, the embeddings of the <|patch|> ids of
// the layout (early fusion, spec §5.7).
package vision
