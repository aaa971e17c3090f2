package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/herd-llm/herd/format/npy"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

func cmdLogits(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("logits")
	idsFlag := cl.String("ids", "", `token ids, e.g. "1 2 3"`)
	out := cl.String("o", "", "output .npy file: float32 [T, vocab], C order")
	var images modelflags.Images
	cl.Var(&images, "image", modelflags.ImageHelp+"; each <|image|> id in --ids becomes the next image's tokens")
	var cf clusterFlags
	cf.define(cl.FlagSet)
	var temp modelflags.AttnTemp
	temp.Define(cl.FlagSet)
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	if err := cf.check(""); err != nil {
		return err
	}
	if err := temp.Check(); err != nil {
		return err
	}
	ids, err := parseIDs(*idsFlag)
	if err != nil {
		return usagef("%v", err)
	}
	m, err := modelflags.LoadModel(cl.Model)
	if err != nil {
		return err
	}
	defer m.Close()
	var fused *llama4.ImagePrompt
	if len(images) > 0 {
		tok, err := modelflags.LoadTokenizer(cl.Model, m)
		if err != nil && !errors.Is(err, modelflags.ErrNoTokenizer) {
			return err
		}
		img, err := modelflags.LoadImageInput(cl.Model, m, tok, "", stderr, true)
		if err != nil {
			return err
		}
		defer img.V.Close()
		if fused, err = img.Fuse(ids, images); err != nil {
			return err
		}
		ids = fused.IDs
	}
	if m, err = temp.Apply(m, stderr, false); err != nil {
		return err
	}
	if len(ids) > m.Config.MaxPositions {
		return fmt.Errorf("%d tokens exceed the model's max_position_embeddings %d", len(ids), m.Config.MaxPositions)
	}
	em, done, err := cf.model(m, len(ids), len(ids), tensor.F32, 1, stderr, true)
	if err != nil {
		return err
	}
	defer done()
	cache := m.NewCache(len(ids))
	seq := llama4.Seq{Cache: cache, IDs: ids, AllLogits: true}
	if fused != nil {
		seq = fused.Slice(cache, 0, len(ids), true)
	}
	res, err := em.ForwardBatch([]llama4.Seq{seq}, nil)
	if err != nil {
		return err
	}
	logits := res[0]
	if err := npy.WriteF32File(*out, []int{len(ids), m.Config.VocabSize}, logits); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s: float32 [%d, %d]\n", *out, len(ids), m.Config.VocabSize)
	return nil
}
