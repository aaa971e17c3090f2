package guard

import (
	"context"
	"errors"
	"fmt"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/vision"
)

// Options configure a LlamaGuard.
type Options struct {
	// Categories is the policy (nil: Categories, S1–S14).
	Categories []Category
	// Excluded are category codes left out of the prompt and dropped from
	// verdicts.
	Excluded []string
	// Threshold, when > 0, decides the verdict from the score: unsafe when
	// Score ≥ Threshold. At 0 the guard's written answer decides.
	Threshold float64
	// MaxTokens bounds the guard's answer (default 24).
	MaxTokens int
	// Unconstrained lets the guard write anything, as plain greedy decoding
	// does; an answer outside the format is then an error. By default the
	// answer is constrained to the format ("safe", or "unsafe" and codes of
	// the policy), which leaves a well-formed greedy answer unchanged. The
	// score is taken from the unconstrained distribution either way.
	Unconstrained bool
	// Vision, when set, lets ClassifyImages check images: the guard model's
	// vision tower preprocesses them (*llama4.Vision) and gen must take
	// requests with Images (an engine over engine.VisionModel).
	Vision Vision
	// ImageTokens are the guard's image token ids (llama4.Config.ImageTokens),
	// needed with Vision.
	ImageTokens vision.Tokens
}

// Vision prepares images for the guard model: *llama4.Vision implements it.
type Vision interface {
	PrepareImage(data []byte) (*vision.Pixels, error)
	ExpandImages(ids []int32, imgs []*vision.Pixels, tk vision.Tokens) ([]int32, error)
}

// LlamaGuard is a Classifier backed by a Llama Guard 4 model.
type LlamaGuard struct {
	gen      engine.Submitter
	tok      *tokenizer.Tokenizer
	o        Options
	unsafeID int32
	stops    []int32
	format   answerFormat
	tokens   []string // each ordinary token's text, for the format constraint
}

// CheckModel refuses a model that cannot be Llama Guard 4: one with MoE
// layers (the guard is dense: moe_layers is empty), or a tokenizer without
// the Llama 4 chat tokens, whose ids do not fit the model, or in which
// "safe" and "unsafe" do not begin with different tokens.
func CheckModel(cfg *llama4.Config, tok *tokenizer.Tokenizer) error {
	if n := cfg.NumMoELayers(); n > 0 {
		return fmt.Errorf("guard: not a Llama Guard 4 model: %d of %d layers are mixture-of-experts, but Llama Guard is dense (moe_layers: [])", n, cfg.Layers)
	}
	if tok.VocabSize() > cfg.VocabSize {
		return fmt.Errorf("guard: the tokenizer has %d tokens but the model only %d (vocab_size): wrong vocabulary", tok.VocabSize(), cfg.VocabSize)
	}
	for _, name := range []string{tokenizer.BeginOfText, tokenizer.HeaderStart, tokenizer.HeaderEnd, tokenizer.EndOfTurn} {
		if id, ok := tok.TokenID(name); !ok || !tok.IsSpecial(id) {
			return fmt.Errorf("guard: wrong vocabulary: the tokenizer has no special token %s of the Llama 4 chat format", name)
		}
	}
	s, u := tok.Encode("safe", false), tok.Encode("unsafe", false)
	if len(s) == 0 || len(u) == 0 || s[0] == u[0] {
		return fmt.Errorf("guard: wrong vocabulary: \"safe\" (%v) and \"unsafe\" (%v) must begin with different tokens", s, u)
	}
	return nil
}

// NewLlamaGuard makes a classifier that runs the guard model through gen
// (the guard's own *engine.Engine, planned with the main model's and, on a
// server, taking its steps in turns of the main model's engine.Scheduler);
// cfg and tok are the guard's configuration and tokenizer (CheckModel).
func NewLlamaGuard(gen engine.Submitter, cfg *llama4.Config, tok *tokenizer.Tokenizer, o Options) (*LlamaGuard, error) {
	if err := CheckModel(cfg, tok); err != nil {
		return nil, err
	}
	if o.MaxTokens <= 0 {
		o.MaxTokens = 24
	}
	if o.Threshold < 0 || o.Threshold > 1 {
		return nil, fmt.Errorf("guard: threshold %g must be in [0, 1]", o.Threshold)
	}
	if _, err := categoryLines(o.categories(), o.Excluded); err != nil {
		return nil, err
	}
	if gen.Ctx() < 64+o.MaxTokens {
		return nil, fmt.Errorf("guard: a context of %d tokens is too short for the guard prompt", gen.Ctx())
	}
	g := &LlamaGuard{gen: gen, tok: tok, o: o, unsafeID: tok.Encode("unsafe", false)[0],
		stops: engine.StopIDs(cfg.EOS, tok.StopTokens())}
	for _, c := range o.categories() {
		g.format.codes = append(g.format.codes, c.Code)
	}
	if !o.Unconstrained {
		g.tokens = make([]string, tok.VocabSize())
		for id := range g.tokens {
			if !tok.IsSpecial(int32(id)) {
				g.tokens[id], _ = tok.TokenBytes(int32(id))
			}
		}
	}
	return g, nil
}

func (o Options) categories() []Category {
	if o.Categories == nil {
		return Categories
	}
	return o.Categories
}

// maxPrompt is the longest prompt that leaves room for the answer.
func (g *LlamaGuard) maxPrompt() int { return g.gen.Ctx() - g.o.MaxTokens - 1 }

// Classify judges conv's last message (of role, when given). A prompt too
// long for the guard's context is not truncated: the checked message is
// split into overlapping windows, each judged alone (see windows), and the
// verdict is unsafe if any window is.
func (g *LlamaGuard) Classify(ctx context.Context, conv []chat.Message, role string) (Verdict, error) {
	for i, m := range conv {
		for _, p := range m.Parts {
			if p.Image {
				return Verdict{}, fmt.Errorf("guard: message %d has an image: use ClassifyImages with the images' data", i)
			}
		}
	}
	po := PromptOptions{Categories: g.o.Categories, Excluded: g.o.Excluded, Role: role}
	ids, err := Encode(g.tok, conv, po)
	if err != nil {
		return Verdict{}, err
	}
	if len(ids) <= g.maxPrompt() {
		return g.run(ctx, ids)
	}
	parts, err := g.windows(conv, po)
	if err != nil {
		return Verdict{}, err
	}
	var all Verdict
	all.Score = -1
	for _, p := range parts {
		v, err := g.run(ctx, p)
		if err != nil {
			return Verdict{}, err
		}
		all = merge(all, v)
	}
	return all, nil
}

// ClassifyImages is Classify for a conversation with images: images[k] is
// the data (PNG, JPEG, …) of the k-th image part of conv, in order. As in
// the reference, the guard sees one image, the most recent user image (see
// BuildMessages); a conversation whose prompt with that image does not fit
// the context is an error (images are not windowed).
func (g *LlamaGuard) ClassifyImages(ctx context.Context, conv []chat.Message, role string, images [][]byte) (Verdict, error) {
	n := 0
	for _, m := range conv {
		for _, p := range m.Parts {
			if p.Image {
				n++
			}
		}
	}
	if n != len(images) {
		return Verdict{}, fmt.Errorf("guard: %d image parts but %d images", n, len(images))
	}
	if n == 0 {
		return g.Classify(ctx, conv, role)
	}
	if g.o.Vision == nil {
		return Verdict{}, errors.New("guard: this guard model was loaded without its vision tower: it checks text only")
	}
	po := PromptOptions{Categories: g.o.Categories, Excluded: g.o.Excluded, Role: role}
	cut, err := cut(conv, role)
	if err != nil {
		return Verdict{}, err
	}
	kept := -1 // index in images of the image the prompt keeps
	k := 0
	for i, m := range conv {
		first := true
		for _, p := range m.Parts {
			if !p.Image {
				continue
			}
			if i < len(cut) && first && conv[i].Role == chat.RoleUser {
				kept = k // the first image of the last user message with images (so far)
			}
			first = false
			k++
		}
	}
	ids, err := Encode(g.tok, conv, po)
	if err != nil {
		return Verdict{}, err
	}
	if kept < 0 {
		return g.run(ctx, ids) // the checked part of the conversation has no image
	}
	px, err := g.o.Vision.PrepareImage(images[kept])
	if err != nil {
		return Verdict{}, fmt.Errorf("guard: image %d: %w", kept, err)
	}
	pxs := []*vision.Pixels{px}
	expanded, err := g.o.Vision.ExpandImages(ids, pxs, g.o.ImageTokens)
	if err != nil {
		return Verdict{}, fmt.Errorf("guard: %w", err)
	}
	if len(expanded) > g.maxPrompt() {
		return Verdict{}, fmt.Errorf("guard: the prompt with its image has %d tokens, more than the guard's context of %d allows", len(expanded), g.gen.Ctx())
	}
	return g.runWith(ctx, expanded, &engine.Images{Prompt: ids, Pixels: pxs})
}

// run generates the guard's answer to a prompt and judges it.
func (g *LlamaGuard) run(ctx context.Context, prompt []int32) (Verdict, error) {
	return g.runWith(ctx, prompt, nil)
}

// runWith is run with the prompt's images (nil: none).
func (g *LlamaGuard) runWith(ctx context.Context, prompt []int32, images *engine.Images) (Verdict, error) {
	sc := &scorer{id: g.unsafeID}
	req := &engine.Request{Prompt: prompt, MaxTokens: g.o.MaxTokens, StopIDs: g.stops, TopLogprobs: -1, Constraint: sc, Images: images}
	if !g.o.Unconstrained {
		req.Constraint = &formatConstraint{f: g.format, tokens: g.tokens, stops: g.stops, score: sc}
	}
	st, err := g.gen.Submit(ctx, req)
	if err != nil {
		return Verdict{}, fmt.Errorf("guard: %w", err)
	}
	var out []int32
	for {
		ev, ok := st.Recv(ctx)
		if !ok {
			if err := ctx.Err(); err != nil {
				return Verdict{}, err
			}
			return Verdict{}, errors.New("guard: the guard's stream ended without an answer")
		}
		if ev.Done {
			if ev.Err != nil {
				return Verdict{}, fmt.Errorf("guard: %w", ev.Err)
			}
			break
		}
		out = append(out, ev.Token)
	}
	text := g.tok.Decode(out, true)
	if !g.o.Unconstrained {
		text = g.format.longestComplete(text) // the token limit may cut a code
	}
	v, err := Parse(text)
	if err != nil {
		return v, err
	}
	v.Score = sc.p
	v = v.Exclude(g.o.Excluded)
	if g.o.Threshold > 0 {
		v.Unsafe = v.Score >= g.o.Threshold
		if !v.Unsafe {
			v.Categories = nil
		}
	}
	return v, nil
}

// merge combines the verdicts of two windows of one message.
func merge(a, b Verdict) Verdict {
	a.Unsafe = a.Unsafe || b.Unsafe
	for _, c := range b.Categories {
		dup := false
		for _, have := range a.Categories {
			dup = dup || have == c
		}
		if !dup {
			a.Categories = append(a.Categories, c)
		}
	}
	a.Score = max(a.Score, b.Score)
	if a.Output != "" {
		a.Output += "\n---\n"
	}
	a.Output += b.Output
	return a
}
