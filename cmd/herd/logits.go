package main

import (
	"fmt"
	"io"

	"github.com/herd-llm/herd/format/npy"
	"github.com/herd-llm/herd/model/llama4"
)

func cmdLogits(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("logits", stderr)
	model := fs.String("m", "", "model: a Hugging Face Llama 4 directory")
	idsFlag := fs.String("ids", "", `token ids, e.g. "1 2 3"`)
	out := fs.String("o", "", "output .npy file: float32 [T, vocab], C order")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q (pass the tokens with --ids)", pos[0])
	}
	if *idsFlag == "" || *out == "" {
		return usagef("need --ids and -o")
	}
	ids, err := parseIDs(*idsFlag)
	if err != nil {
		return usagef("%v", err)
	}
	m, err := loadModel(*model)
	if err != nil {
		return err
	}
	defer m.Close()
	if len(ids) > m.Config.MaxPositions {
		return fmt.Errorf("%d tokens exceed the model's max_position_embeddings %d", len(ids), m.Config.MaxPositions)
	}
	logits, err := m.Forward(m.NewCache(len(ids)), ids, llama4.ForwardOptions{AllLogits: true})
	if err != nil {
		return err
	}
	if err := npy.WriteF32File(*out, []int{len(ids), m.Config.VocabSize}, logits); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s: float32 [%d, %d]\n", *out, len(ids), m.Config.VocabSize)
	return nil
}
