package pretrain

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
)

// Evaluation is herd train --eval: a saved model's loss on the held-out
// part of a text.
type Evaluation struct {
	Dir        string  // the model: a Hugging Face directory (any float dtype)
	Data       string  // the text; its last ValFrac is scored
	ValFrac    float64 // share of the text held out
	Bytes      bool    // read the text with the byte tokenizer, not Dir's tokenizer.model
	Batch, Seq int     // windows of Seq tokens, Batch at a time
	MaxBatches int     // most batches; 0 = the whole held-out part
}

// Run prints the validation loss and bits per byte to w.
func (e *Evaluation) Run(w io.Writer) error {
	text, err := os.ReadFile(e.Data)
	if err != nil {
		return err
	}
	var tk dataset.Tokenizer = dataset.ByteTokenizer{}
	if !e.Bytes {
		t, err := tokenizer.Load(e.Dir)
		if err != nil {
			return err
		}
		tk = dataset.TextTokenizer{T: t}
	}
	p, err := train.LoadHF(e.Dir)
	if err != nil {
		return err
	}
	data, err := dataset.New(text, tk, e.ValFrac)
	if err != nil {
		return badf("%v", err)
	}
	t0 := time.Now()
	loss, bpb, err := train.EvaluateParams(p, data, e.Batch, e.Seq, e.MaxBatches)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: validation loss %.4f nats/token, %.4f bits/byte (%d tokens, %d bytes of %s; windows of %d tokens; %v)\n",
		e.Dir, loss, bpb, len(data.Val)-1, data.ValBytes, e.Data, e.Seq, time.Since(t0).Round(time.Millisecond))
	return nil
}
