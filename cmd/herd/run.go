package main

import (
	"fmt"
	"io"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/imageprompt"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/internal/textgen"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

func cmdRun(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("run")
	var c convFlags
	c.define(cl.FlagSet, 64, 0, "context length in tokens (0: prompt + n, capped by the model's max_position_embeddings)")
	idsFlag := cl.String("ids", "", `prompt as token ids, e.g. "200000 19873 24"`)
	ignoreEOS := cl.Bool("ignore-eos", false, "keep generating after an end-of-sequence token")
	quiet := cl.Bool("q", false, "do not print the memory plan and timings to stderr")
	batch := cl.Int("batch", 512, "prefill batch: prompt tokens per forward pass")
	chatFmt := cl.Bool("chat", false, "wrap the text prompt in the Llama 4 chat format (as a user turn) and answer as the assistant")
	var images modelflags.Images
	cl.Var(&images, "image", modelflags.ImageHelp)
	var cf clusterFlags
	cf.define(cl.FlagSet)
	pos, err := cl.Parse(args, stdout)
	if err != nil {
		return err
	}
	if *idsFlag == "" && len(pos) == 0 {
		if stdinIsTerminal() {
			if cf.on() {
				return usagef("--workers needs a prompt (or --ids): the interactive chat runs in one process")
			}
			return c.chatFromRun(cl, stdout, stderr) // as `ollama run` with no prompt
		}
		if pos, err = promptFromStdin(); err != nil {
			return err
		}
	}
	if *idsFlag != "" && len(pos) > 0 {
		return usagef("give either --ids or a text prompt, not both")
	}
	if len(pos) > 1 {
		return usagef("give the prompt as one argument (quote it)")
	}
	if c.n < 0 {
		return usagef("-n %d must be ≥ 0", c.n)
	}
	if *batch <= 0 {
		return usagef("--batch %d must be positive", *batch)
	}
	var prompt []int32
	if *idsFlag != "" {
		if prompt, err = parseIDs(*idsFlag); err != nil {
			return usagef("%v", err)
		}
	}
	sp, err := c.samp.Params()
	if err != nil {
		return err
	}
	if *chatFmt && len(pos) == 0 {
		return usagef("--chat needs a text prompt")
	}
	if err := cf.check(c.gen.Quant); err != nil {
		return err
	}
	gm, err := c.gen.Load(cl.Model, len(pos) > 0, stderr, *quiet)
	if err != nil {
		return err
	}
	m, tok := gm.M, gm.Tok
	defer m.Close()
	var stops []int32
	if !*ignoreEOS {
		var tokStops []int32
		if tok != nil {
			tokStops = tok.StopTokens()
		}
		stops = engine.StopIDs(m.Config.EOS, tokStops)
	}
	var img *imageprompt.Input
	if len(images) > 0 {
		if img, err = modelflags.LoadImageInput(cl.Model, m, tok, c.gen.Quant, stderr, *quiet); err != nil {
			return err
		}
		defer img.V.Close()
	}
	if len(pos) > 0 {
		if prompt, err = textgen.EncodePrompt(tok, pos[0], *chatFmt, c.system, img, len(images)); err != nil {
			return err
		}
	}
	// Images: each <|image|> placeholder becomes the image's token layout,
	// whose <|patch|> rows take the projected image features.
	var fused *llama4.ImagePrompt
	if img != nil {
		if fused, err = img.Fuse(prompt, images); err != nil {
			return err
		}
		prompt = fused.IDs
	}
	want := c.gen.Ctx
	if want == 0 {
		want = len(prompt) + c.n
	}
	limit, err := modelflags.CtxLimit(want, c.gen.Ctx != 0, m.Config.MaxPositions)
	if err != nil {
		return err
	}
	if len(prompt) > limit {
		return fmt.Errorf("prompt of %d tokens does not fit the context of %d tokens", len(prompt), limit)
	}
	if !cf.on() { // a pipeline plans its stages itself
		var rs []kvcache.Resident
		if img != nil {
			rs = append(rs, img.V.Resident("vision tower", "--quant lowers it"))
		}
		if err := textgen.CheckPlan(m, limit, *batch, gm.KV, stderr, *quiet, rs...); err != nil {
			return err
		}
	}
	em, done, err := cf.model(m, limit, *batch, gm.KV, 1, stderr, *quiet)
	if err != nil {
		return err
	}
	defer done()
	cache, err := m.NewCacheOf(limit, gm.KV)
	if err != nil {
		return err
	}
	var text *tokenizer.Decoder
	if len(pos) > 0 {
		text = tok.NewDecoder(true)
		if !*chatFmt {
			// A plain completion continues the prompt: print it first, as llama.cpp does.
			fmt.Fprint(stdout, pos[0])
		}
	}
	req := &engine.Request{Prompt: prompt, MaxTokens: c.n, Sampling: sp, StopIDs: stops, TopLogprobs: -1}
	if fused != nil {
		req.Embeds, req.UseEmbed = fused.Embeds, fused.UseEmbed
	}
	_, err = textgen.Generate(em, cache, req, *batch, text, stdout, stderr, *quiet)
	return err
}
