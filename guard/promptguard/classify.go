package promptguard

import (
	"context"
	"fmt"
	"strings"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/train/nn"
)

// Tokenizer turns text into token ids without special tokens (Unigram
// implements it).
type Tokenizer interface {
	Encode(text string) []int32
}

// Classifier scores texts with a Prompt Guard model.
type Classifier struct {
	Model *Model
	Tok   Tokenizer
	// Window is the tokens per pass, [CLS] and [SEP] included (default 512,
	// what Prompt Guard was trained on); Overlap the content tokens that
	// consecutive windows share (default Window/8).
	Window, Overlap int
	// Turns, when set, is the classifier's place on a scheduler shared with
	// other models (herd serve: the main model's and Llama Guard's
	// engines): each window's forward pass runs in a turn of it, so it
	// never runs beside their steps and a long text does not hold the
	// compute for all its windows. nil: passes run at once.
	Turns *engine.Task
}

// Score is a text's classification.
type Score struct {
	Label string    // the most likely label of the most malicious window
	Probs []float64 // softmax over the labels (Config.Labels) of that window
	// Malicious is the probability of the MALICIOUS label (the last label
	// when none is so named), the maximum over windows.
	Malicious float64
	Windows   int // windows the text was split into
}

// Score classifies text: a text longer than a window is split into
// overlapping windows, each scored alone; the most malicious decides, so
// nothing is truncated.
func (c *Classifier) Score(text string) (Score, error) {
	return c.ScoreContext(context.Background(), text)
}

// ScoreContext is Score, each window's pass in a turn of c.Turns; it
// stops with ctx's error when ctx ends before a window's turn comes.
func (c *Classifier) ScoreContext(ctx context.Context, text string) (Score, error) {
	win := c.window()
	size := win - 2
	if size < 1 {
		return Score{}, fmt.Errorf("promptguard: window %d leaves no room for text", win)
	}
	ov := c.Overlap
	if ov <= 0 {
		ov = size / 8
	}
	if ov >= size {
		return Score{}, fmt.Errorf("promptguard: overlap %d must be less than the %d text tokens of a window", ov, size)
	}
	toks := c.Tok.Encode(text)
	cfg := c.Model.Config
	mal := len(cfg.Labels) - 1
	for i, l := range cfg.Labels {
		if strings.EqualFold(l, "MALICIOUS") {
			mal = i
		}
	}
	best := Score{Malicious: -1}
	n := 0
	for start := 0; ; start += size - ov {
		end := min(start+size, len(toks))
		ids := append(append([]int32{int32(cfg.CLS)}, toks[start:end]...), int32(cfg.SEP))
		logits, err := c.logits(ctx, ids)
		if err != nil {
			return Score{}, err
		}
		p := softmax(logits)
		n++
		if p[mal] > best.Malicious {
			arg := 0
			for i := range p {
				if p[i] > p[arg] {
					arg = i
				}
			}
			best = Score{Label: cfg.Labels[arg], Probs: p, Malicious: p[mal]}
		}
		if end >= len(toks) {
			break
		}
	}
	best.Windows = n
	return best, nil
}

// window is the tokens per pass: Window, default 512.
func (c *Classifier) window() int {
	if c.Window <= 0 {
		return 512
	}
	return c.Window
}

// logits runs one window's forward pass in a turn of c.Turns.
func (c *Classifier) logits(ctx context.Context, ids []int32) (logits []float32, err error) {
	if terr := c.Turns.Turn(ctx, func() { logits, err = c.Model.Logits(ids) }); terr != nil {
		return nil, terr
	}
	return logits, err
}

func softmax(x []float32) []float64 {
	p := make([]float64, len(x))
	nn.SoftmaxRow(p, x)
	return p
}
