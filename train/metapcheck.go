package train

import (
	"fmt"
	"io"
	"math"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
)

// ProxyConfig is the model family of the MetaP evidence (docs/metap.md,
// tools/metapcheck): a byte-level (vocab 259) Llama 4 of the given hidden
// size and layers, head_dim 16 with width/16 query and width/32 key-value
// heads, odd layers MoE (4 routed experts, top-1, plus the shared expert,
// intermediate_size = width) and even layers dense SwiGLU
// (intermediate_size_mlp = 2·width), the last layer global NoPE with
// temperature tuning and the others chunked RoPE with QK-norm, untied
// embeddings. Every hidden dimension grows with the width, as MetaP
// assumes. width must be a multiple of 32.
func ProxyConfig(width, layers int) (*llama4.Config, error) {
	if width <= 0 || width%32 != 0 || layers <= 0 {
		return nil, fmt.Errorf("train: proxy width %d must be a positive multiple of 32, layers %d positive", width, layers)
	}
	moe, nope := "", ""
	for l := range layers {
		sep := ","
		if l == 0 {
			sep = ""
		}
		if l%2 == 1 {
			if moe != "" {
				moe += ","
			}
			moe += fmt.Sprint(l)
		}
		r := 1
		if l == layers-1 && layers > 1 {
			r = 0
		}
		nope += fmt.Sprintf("%s%d", sep, r)
	}
	js := fmt.Sprintf(`{"architectures": ["Llama4ForCausalLM"], "model_type": "llama4_text",
	"vocab_size": 259, "hidden_size": %d, "num_hidden_layers": %d,
	"num_attention_heads": %d, "num_key_value_heads": %d, "head_dim": 16,
	"intermediate_size": %d, "intermediate_size_mlp": %d,
	"num_local_experts": 4, "num_experts_per_tok": 1, "moe_layers": [%s],
	"no_rope_layers": [%s], "attention_chunk_size": 64,
	"use_qk_norm": true, "attn_temperature_tuning": true, "floor_scale": 16, "attn_scale": 0.1,
	"rope_theta": 10000, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5,
	"bos_token_id": 256, "eos_token_id": 257, "pad_token_id": 258,
	"tie_word_embeddings": false, "torch_dtype": "float32"}`,
		width, layers, width/16, width/32, width, 2*width, moe, nope)
	return checkpoint.ParseConfig([]byte(js))
}

// CoordPoint is one measurement of a coordinate check: after Step
// optimizer steps of a model of Width under MetaP or the standard
// parametrisation, the mean absolute value of the final residual stream
// (the input of the final norm) and of the logits on a fixed validation
// batch, and the mean absolute change of each since step 0.
type CoordPoint struct {
	Width, Step     int
	MetaP           bool
	Hidden, Logits  float64 // mean |h|, mean |logit|
	DHidden, DLogit float64 // mean |h − h₀|, mean |logit − logit₀|
}

// CoordCheck trains a ProxyConfig(width, layers) model for each width,
// with and without MetaP (base shape from opt), for steps optimizer steps
// of opt (its LR schedule, batch and seed; opt.MetaP is overridden), and
// measures after every step (CoordPoint). Under a parametrisation that
// transfers, the measurements stay flat across widths; under the standard
// one, with Adam, the updates' effect grows about ∝ width. Progress lines
// go to log (nil: none).
func CoordCheck(data *Dataset, widths []int, layers int, opt Options, steps int, log io.Writer) ([]CoordPoint, error) {
	if log == nil {
		log = io.Discard
	}
	probe := data.ValBatches(opt.Batch, opt.SeqLen, 1)
	if len(probe) == 0 {
		return nil, fmt.Errorf("train: no validation data for the coordinate check")
	}
	var out []CoordPoint
	for _, metap := range []bool{false, true} {
		for _, w := range widths {
			cfg, err := ProxyConfig(w, layers)
			if err != nil {
				return nil, err
			}
			o := opt
			o.MetaP = metap
			tr, err := NewTrainer(cfg, o, data)
			if err != nil {
				return nil, err
			}
			ws, err := NewWorkspace[float32](cfg, opt.Batch, opt.SeqLen)
			if err != nil {
				return nil, err
			}
			var h0, l0 []float32
			for step := 0; step <= steps; step++ {
				if step > 0 {
					if _, err := tr.TrainStep(); err != nil {
						return nil, err
					}
				}
				if _, err := ws.Forward(tr.Params, probe[0].Inputs); err != nil {
					return nil, err
				}
				h, lg := ws.h[cfg.Layers], ws.logits
				if step == 0 {
					h0, l0 = append([]float32(nil), h...), append([]float32(nil), lg...)
				}
				pt := CoordPoint{Width: w, Step: step, MetaP: metap,
					Hidden: meanAbs(h, nil), Logits: meanAbs(lg, nil), DHidden: meanAbs(h, h0), DLogit: meanAbs(lg, l0)}
				out = append(out, pt)
				fmt.Fprintf(log, "coord %-5s width %4d step %2d: |h| %.4f |logits| %.4f |Δh| %.4f |Δlogits| %.4f\n",
					paramName(metap), w, step, pt.Hidden, pt.Logits, pt.DHidden, pt.DLogit)
			}
		}
	}
	return out, nil
}

// meanAbs returns mean |x − y| (y nil: mean |x|).
func meanAbs(x, y []float32) float64 {
	var s float64
	for i, v := range x {
		d := float64(v)
		if y != nil {
			d -= float64(y[i])
		}
		s += math.Abs(d)
	}
	return s / float64(len(x))
}

func paramName(metap bool) string {
	if metap {
		return "metap"
	}
	return "sp"
}

// SweepPoint is one run of a learning-rate sweep: the final validation
// loss (nats per token) and the mean training loss of the last 10 steps of
// a model of Width trained at peak learning rate LR, or Diverged when the
// training loss became NaN or infinite.
type SweepPoint struct {
	Width     int
	MetaP     bool
	LR        float64
	TrainLoss float64
	ValLoss   float64
	Diverged  bool
}

// LRSweep trains a ProxyConfig(width, layers) model for every width and
// peak learning rate, with and without MetaP, for opt.Steps steps of opt
// (opt.LR, opt.MinLR = opt.LR·minFrac and opt.MetaP overridden) and
// evaluates each on at most opt.EvalBatches validation batches.
func LRSweep(data *Dataset, widths []int, layers int, lrs []float64, minFrac float64, opt Options, log io.Writer) ([]SweepPoint, error) {
	if log == nil {
		log = io.Discard
	}
	var out []SweepPoint
	for _, metap := range []bool{false, true} {
		for _, w := range widths {
			cfg, err := ProxyConfig(w, layers)
			if err != nil {
				return nil, err
			}
			for _, lr := range lrs {
				o := opt
				o.MetaP, o.LR, o.MinLR = metap, lr, lr*minFrac
				tr, err := NewTrainer(cfg, o, data)
				if err != nil {
					return nil, err
				}
				pt := SweepPoint{Width: w, MetaP: metap, LR: lr}
				var last []float64
				for tr.Step() < o.Steps {
					st, err := tr.TrainStep()
					if err != nil {
						return nil, err
					}
					if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) {
						pt.Diverged = true
						break
					}
					last = append(last, st.Loss)
				}
				if !pt.Diverged {
					last = last[max(0, len(last)-10):]
					for _, v := range last {
						pt.TrainLoss += v / float64(len(last))
					}
					if pt.ValLoss, _, err = tr.Evaluate(); err != nil {
						return nil, err
					}
					if math.IsNaN(pt.ValLoss) || math.IsInf(pt.ValLoss, 0) {
						pt.Diverged = true
					}
				}
				out = append(out, pt)
				fmt.Fprintf(log, "sweep %-5s width %4d lr %.3g: train %.4f val %.4f diverged %v\n",
					paramName(metap), w, lr, pt.TrainLoss, pt.ValLoss, pt.Diverged)
			}
		}
	}
	return out, nil
}

// BestLR returns, for each width of a sweep under one parametrisation, the
// learning rate of the lowest validation loss.
func BestLR(points []SweepPoint, metap bool) map[int]SweepPoint {
	best := map[int]SweepPoint{}
	for _, p := range points {
		if p.MetaP != metap || p.Diverged {
			continue
		}
		if b, ok := best[p.Width]; !ok || p.ValLoss < b.ValLoss {
			best[p.Width] = p
		}
	}
	return best
}
