package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/distill"
	"github.com/herd-llm/herd/train/metap"
)

// Options configure a training run. Zero values are replaced by
// DefaultOptions' where noted.
type Options struct {
	BaseOptions         // run length, batch shape, schedule, AdamW, clip, seed, cadence, export dtype
	InitStd     float64 // std of the initial weights (initializer_range)
	EvalEvery   int     // steps between validation passes; 0 = only at the end
	EvalBatches int     // max validation batches per periodic pass; 0 = the whole validation part (the final pass always covers it all)
	// FP8 simulates FP8 training (fp8.go): "" (off: float32 products),
	// "e4m3" or "hybrid" (output gradients in E5M2); FP8Scaling is "tensor"
	// (also when empty) or "row".
	FP8        string `json:",omitempty"`
	FP8Scaling string `json:",omitempty"`
	// Balance is the expert-balancing method (balance.go): "none" (also
	// when empty), "bias" (auxiliary-loss-free, bias step BalanceRate) or
	// "aux" (Switch auxiliary loss, coefficient AuxLossCoef).
	Balance     string  `json:",omitempty"`
	BalanceRate float64 `json:",omitempty"`
	AuxLossCoef float64 `json:",omitempty"`
	// MetaP selects the MetaP parametrisation (metap.MetaP): per-group init
	// and learning-rate multipliers relative to a base model of BaseWidth
	// hidden size and BaseDepth layers (DefaultBaseWidth and
	// DefaultBaseDepth when zero), so that LR, init std and weight decay
	// tuned on the base model transfer to wider and deeper models.
	MetaP     bool `json:",omitempty"`
	BaseWidth int  `json:",omitempty"`
	BaseDepth int  `json:",omitempty"`
	// Stages schedule the sequence length (long-context mid-training):
	// from each stage's Step on, micro-batches of its Batch rows of its
	// SeqLen tokens; before the first, Batch rows of SeqLen (stages.go).
	Stages []Stage `json:",omitempty"`
	// DocMask masks attention at document boundaries (every BOS token of
	// a row starts a document; Workspace.SetDocumentMask).
	DocMask bool `json:",omitempty"`
	// LongFrac is the share of rows drawn from inside one long document
	// rather than the packed stream (dataset.Dataset.SampleMix).
	LongFrac float64 `json:",omitempty"`
	// Distill, when set, makes the run distil from a teacher (package
	// train/distill; the trainer's Distiller computes the loss).
	Distill *distill.Options `json:",omitempty"`
}

// MetaPBase returns the base shape of the MetaP parametrisation, zero
// values replaced by the defaults.
func (o *Options) MetaPBase() metap.MetaP {
	m := metap.MetaP{BaseWidth: o.BaseWidth, BaseDepth: o.BaseDepth}
	if m.BaseWidth == 0 {
		m.BaseWidth = DefaultBaseWidth
	}
	if m.BaseDepth == 0 {
		m.BaseDepth = DefaultBaseDepth
	}
	return m
}

// DefaultOptions are sensible settings for small models.
func DefaultOptions() Options {
	return Options{BaseOptions: BaseOptions{Steps: 1000, Batch: 8, SeqLen: 256, Accum: 1, LR: 1e-3, MinLR: 1e-4, Warmup: 50,
		AdamWConfig: AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1}, GradClip: 1, Seed: 1, LogEvery: 1},
		InitStd: 0.02, EvalBatches: 20, Balance: "bias", BalanceRate: 1e-3, AuxLossCoef: 0.01}
}

func (o *Options) validate() error {
	if err := o.ValidateBase(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	switch {
	case !(o.InitStd > 0):
		return fmt.Errorf("train: init std %g must be > 0", o.InitStd)
	case !(o.LongFrac >= 0 && o.LongFrac <= 1):
		return fmt.Errorf("train: long-document fraction %g must be in [0, 1]", o.LongFrac)
	case o.BaseWidth < 0 || o.BaseDepth < 0:
		return fmt.Errorf("train: MetaP base width %d and depth %d must be positive", o.BaseWidth, o.BaseDepth)
	}
	if err := ParseFP8(o.FP8, o.FP8Scaling); err != nil {
		return err
	}
	if err := o.validateStages(); err != nil {
		return err
	}
	if o.Distill != nil {
		if err := o.Distill.Validate(); err != nil {
			return err
		}
	}
	return ParseBalance(o.Balance, o.BalanceRate, o.AuxLossCoef)
}

// Trainer holds a run's complete state: parameters, optimizer, data
// position (the sampler's random state) and step. Everything a resumed run
// needs is in its checkpoint, so a resumed run continues bit for bit.
type Trainer struct {
	Opt Options
	Optimized
	Data   *dataset.Dataset
	Tokens int64 // training tokens processed
	// ExpertBias is the per-layer expert-selection bias of Balance "bias"
	// ([E] on MoE layers, nil on dense ones); nil for other methods. It is
	// saved in the checkpoint, not in the Hugging Face export.
	ExpertBias [][]float32
	FP8Total   FP8Stats // FP8 cast counts of the whole run (saved in the checkpoint)
	// Distiller computes the loss of a run with Opt.Distill set (see
	// distill.New); it is not saved: a resumed run sets it again.
	Distiller Distiller

	ws      *Workspace[float32]
	src     *rand.PCG // data sampler state
	rng     *rand.Rand
	batches []*dataset.Batch
}

// dataStream is the PCG stream of the data sampler (the init uses streams
// 1…#tensors).
const dataStream = 0xda7a

// NewTrainer starts a run from scratch: parameters initialised from
// opt.Seed (InitParams, or initMetaP under opt.MetaP), zero
// optimizer state.
func NewTrainer(cfg *llama4.Config, opt Options, data *dataset.Dataset) (*Trainer, error) {
	if data == nil {
		return nil, fmt.Errorf("train: no data")
	}
	p, err := NewParams[float32](cfg)
	if err != nil {
		return nil, err
	}
	if opt.MetaP {
		if err := initMetaP(opt.MetaPBase(), p, opt.Seed, opt.InitStd); err != nil {
			return nil, err
		}
	} else {
		InitParams(p, opt.Seed, opt.InitStd)
	}
	return newTrainer(p, opt, data, rand.NewPCG(opt.Seed, dataStream))
}

// NewTrainerFrom starts a run from trained parameters instead of an
// initialisation (long-context mid-training, continued pretraining on new
// data): p becomes the trainer's (it is updated in place), the optimizer
// state is zero and the schedule and data sampler start afresh from
// opt.Seed. opt.InitStd plays no part.
func NewTrainerFrom(p *Params[float32], opt Options, data *dataset.Dataset) (*Trainer, error) {
	if data == nil {
		return nil, fmt.Errorf("train: no data")
	}
	return newTrainer(p, opt, data, rand.NewPCG(opt.Seed, dataStream))
}

func newTrainer(p *Params[float32], opt Options, data *dataset.Dataset, src *rand.PCG) (*Trainer, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if _, T := opt.longest(); data != nil && len(data.Train) < T+1 {
		return nil, fmt.Errorf("train: the training text has %d tokens, fewer than sequence length %d + 1", len(data.Train), T)
	}
	tr := &Trainer{Opt: opt, Optimized: NewOptimized(p, opt.AdamWConfig), Data: data, src: src, rng: rand.New(src)}
	if opt.MetaP {
		if err := applyMetaP(opt.MetaPBase(), tr.Optim, p); err != nil {
			return nil, err
		}
	}
	c := p.Config
	if opt.Balance == "bias" && c.NumMoELayers() > 0 {
		tr.ExpertBias = make([][]float32, c.Layers)
		for l := range tr.ExpertBias {
			if c.LayerIsMoE[l] {
				tr.ExpertBias[l] = make([]float32, c.Experts)
			}
		}
	}
	if err := tr.reshape(opt.Batch, opt.SeqLen); err != nil {
		return nil, err
	}
	return tr, nil
}

// reshape gives the trainer a workspace and micro-batches of B rows of T
// tokens, set up for the run's FP8, balancing and document options.
func (tr *Trainer) reshape(B, T int) error {
	opt := tr.Opt
	ws, err := NewWorkspace[float32](tr.Params.Config, B, T)
	if err != nil {
		return err
	}
	tr.ws, tr.batches = ws, nil
	for range opt.Accum {
		tr.batches = append(tr.batches, dataset.NewBatch(B, T))
	}
	if err := ws.SetFP8(opt.FP8, opt.FP8Scaling); err != nil {
		return err
	}
	if tr.ExpertBias != nil {
		if err := ws.SetExpertBias(tr.ExpertBias); err != nil {
			return err
		}
	}
	if opt.Balance == "aux" {
		ws.SetAuxLoss(opt.AuxLossCoef / float64(opt.Accum))
	}
	if opt.DocMask && tr.Data != nil {
		ws.SetDocumentMask(tr.Data.BOS)
	}
	return nil
}

// newExpertCounts returns zero counters [Layers][E] (nil on dense layers),
// or nil for a model without MoE layers.
func newExpertCounts(c *llama4.Config) [][]int64 {
	if c.NumMoELayers() == 0 {
		return nil
	}
	n := make([][]int64, c.Layers)
	for l := range n {
		if c.LayerIsMoE[l] {
			n[l] = make([]int64, c.Experts)
		}
	}
	return n
}

// Step is the number of optimizer steps taken.
func (tr *Trainer) Step() int { return tr.Optim.Step }

// Plan is the activation memory plan of the run's micro-batches.
func (tr *Trainer) Plan() Plan { return tr.ws.Plan() }

// StepStats describe one optimizer step.
type StepStats struct {
	Step     int     // steps taken after this one (1-based)
	Loss     float64 // mean training loss over the step's valid targets (before the update)
	LR       float64
	GradNorm float64 // global gradient norm before clipping
	Tokens   int     // tokens processed
	Elapsed  time.Duration
	// AuxLoss is the auxiliary-loss term included in the optimized loss
	// (Balance "aux"; 0 otherwise); Loss does not include it.
	AuxLoss float64
	// BalanceStat is the Switch statistic E·Σ_i f_i·P_i averaged over the
	// MoE layers and micro-batches (1 = balanced; NaN without MoE layers).
	BalanceStat float64
	// ExpertTokens[l][e] is the tokens layer l routed to expert e in this
	// step (nil on dense layers, nil without MoE layers).
	ExpertTokens [][]int64
	FP8          FP8Stats // FP8 casts of this step (zero without FP8)
}

// TrainStep samples Accum micro-batches, accumulates the gradient of their
// joint mean loss, clips it, and takes one AdamW step at the scheduled
// learning rate.
func (tr *Trainer) TrainStep() (StepStats, error) {
	if tr.Data == nil {
		return StepStats{}, fmt.Errorf("train: no data")
	}
	t0 := time.Now()
	if B, T := tr.Opt.shape(tr.Optim.Step); B != tr.ws.B || T != tr.ws.T {
		if err := tr.reshape(B, T); err != nil {
			return StepStats{}, err
		}
	}
	valid := 0
	for _, b := range tr.batches {
		if err := tr.Data.SampleMix(tr.rng, b, tr.Opt.LongFrac); err != nil {
			return StepStats{}, err
		}
		valid += dataset.CountValid(b.Targets)
	}
	counts := newExpertCounts(tr.Params.Config)
	loss, aux, bstat, err := tr.accumulateStats(tr.batches, valid, counts)
	if err != nil {
		return StepStats{}, err
	}
	lr := tr.Opt.Schedule().At(tr.Optim.Step)
	norm, err := tr.ClipAndUpdate(tr.Opt.GradClip, lr)
	if err != nil {
		return StepStats{}, err
	}
	if tr.ExpertBias != nil {
		UpdateExpertBias(tr.ExpertBias, counts, tr.Opt.BalanceRate)
	}
	f8 := tr.ws.FP8Stats()
	tr.FP8Total.Add(f8)
	n := len(tr.batches) * tr.ws.N
	tr.Tokens += int64(n)
	return StepStats{Step: tr.Optim.Step, Loss: loss, LR: lr, GradNorm: norm, Tokens: n, Elapsed: time.Since(t0),
		AuxLoss: aux, BalanceStat: bstat, ExpertTokens: counts, FP8: f8}, nil
}

// accumulate sets Grads to the gradient of the mean loss over all valid
// targets of batches (plus the auxiliary loss, if any) and returns that
// loss (without the auxiliary loss).
func (tr *Trainer) accumulate(batches []*dataset.Batch, valid int) (float64, error) {
	loss, _, _, err := tr.accumulateStats(batches, valid, nil)
	return loss, err
}

// accumulateStats is accumulate that also returns the auxiliary loss and
// the mean Switch balance statistic, and adds the tokens per expert to
// counts (when not nil).
func (tr *Trainer) accumulateStats(batches []*dataset.Batch, valid int, counts [][]int64) (loss, aux, bstat float64, err error) {
	if valid == 0 {
		return 0, 0, 0, fmt.Errorf("train: step has no valid targets")
	}
	tr.Grads.Zero()
	var sum float64
	for _, b := range batches {
		logits, err := tr.ws.Forward(tr.Params, b.Inputs)
		if err != nil {
			return 0, 0, 0, err
		}
		aux += tr.ws.AuxLoss()
		bstat += tr.ws.BalanceStat() / float64(len(batches))
		tr.ws.AddExpertCounts(counts)
		s, err := tr.lossGrad(b, logits, 1/float64(valid))
		if err != nil {
			return 0, 0, 0, err
		}
		sum += s
		if err := tr.ws.Backward(tr.Params, tr.Grads); err != nil {
			return 0, 0, 0, err
		}
	}
	return sum / float64(valid), aux, bstat, nil
}

// Evaluate returns the mean validation loss (nats per token) over at most
// EvalBatches batches of the validation part and its bits per byte of text
// (see EvaluateParams).
//
// The model is evaluated as it trains: with the run's expert bias and FP8
// simulation, if any.
func (tr *Trainer) Evaluate() (loss, bpb float64, err error) {
	defer tr.ws.FP8Stats() // validation casts are not a step's
	return evaluate(tr.ws, tr.Params, tr.Data, tr.ws.B, tr.ws.T, tr.Opt.EvalBatches)
}

// EvaluateParams returns p's mean validation loss (nats per token) on d,
// in consecutive windows of T tokens, B per batch, over at most maxBatches
// batches (0: the whole validation part), and the bits per byte of text:
// the total loss over the evaluated targets / (ln 2 · the bytes of text
// those targets stand for). When d knows its tokens' lengths
// (dataset.Dataset.TokenBytes) the bytes are counted exactly, so the whole
// validation part gives total nats / (ln 2 · ValBytes); otherwise they are
// estimated from the part's average bytes per token.
func EvaluateParams(p *Params[float32], d *dataset.Dataset, B, T, maxBatches int) (loss, bpb float64, err error) {
	ws, err := NewWorkspace[float32](p.Config, B, T)
	if err != nil {
		return 0, 0, err
	}
	return evaluate(ws, p, d, B, T, maxBatches)
}

func evaluate(ws *Workspace[float32], p *Params[float32], d *dataset.Dataset, B, T, maxBatches int) (loss, bpb float64, err error) {
	if d == nil || len(d.Val) < 2 {
		return math.NaN(), math.NaN(), fmt.Errorf("train: no validation data")
	}
	var sum float64
	n, nbytes := 0, int64(0)
	for _, b := range d.ValBatches(B, T, maxBatches) {
		if _, err := ws.Forward(p, b.Inputs); err != nil {
			return 0, 0, err
		}
		s, v, err := ws.Loss(b.Targets)
		if err != nil {
			return 0, 0, err
		}
		sum += s
		n += v
		nbytes += d.TargetBytes(b.Targets)
	}
	loss = sum / float64(n)
	if d.TokenBytes == nil { // estimate: the part's average bytes per token
		nbytes = int64(float64(n) * float64(d.ValBytes) / float64(len(d.Val)-1))
	}
	return loss, sum / (math.Ln2 * float64(nbytes)), nil
}
