package pretrain

import (
	"fmt"
	"io"

	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
)

// fromModel is the trainer of a run that starts from the weights in
// j.InitFrom: their config must hold the tokenizer's ids (the same special
// ids the model was trained with) and the longest --seq stage.
func (j *Job) fromModel(tk dataset.Tokenizer, data *dataset.Dataset, log io.Writer) (*train.Trainer, error) {
	p, err := train.LoadHF(j.InitFrom)
	if err != nil {
		return nil, fmt.Errorf("--init-from: %w", err)
	}
	cfg := p.Config
	if cfg.VocabSize < tk.VocabSize() {
		return nil, badf("--init-from %s: its vocab_size %d is smaller than its tokenizer's %d ids", j.InitFrom, cfg.VocabSize, tk.VocabSize())
	}
	if cfg.BOS != int(tk.BOS()) {
		return nil, badf("--init-from %s: its config's bos_token_id %d is not its tokenizer's BOS %d (a model trained with another tokenizer?)", j.InitFrom, cfg.BOS, tk.BOS())
	}
	if _, T := longestStage(&j.Opt); cfg.MaxPositions < T {
		return nil, badf("--seq %d exceeds %s's max_position_embeddings %d", T, j.InitFrom, cfg.MaxPositions)
	}
	cfg.TorchDType = "float32"
	tr, err := train.NewTrainerFrom(p, j.Opt, data)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "starting from the weights of %s (fresh optimizer and schedule)\n", j.InitFrom)
	return tr, nil
}
