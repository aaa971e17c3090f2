package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
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
	var images imageFlags
	cl.Var(&images, "image", imageHelp)
	var cf clusterFlags
	cf.define(cl.FlagSet)
	pos, err := cl.parse(args, stdout)
	if err != nil {
		return err
	}
	if *idsFlag == "" && len(pos) == 0 {
		if stdinIsTerminal() {
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
	sp, err := c.samp.params()
	if err != nil {
		return err
	}
	if *chatFmt && len(pos) == 0 {
		return usagef("--chat needs a text prompt")
	}
	if err := cf.check(c.gen.quant); err != nil {
		return err
	}
	gm, err := c.gen.load(cl.model, len(pos) > 0, stderr, *quiet)
	if err != nil {
		return err
	}
	m, tok := gm.m, gm.tok
	defer m.Close()
	var stops []int32
	if !*ignoreEOS {
		var tokStops []int32
		if tok != nil {
			tokStops = tok.StopTokens()
		}
		stops = engine.StopIDs(m.Config.EOS, tokStops)
	}
	var img *imageInput
	if len(images) > 0 {
		if img, err = loadImageInput(cl.model, m, tok, c.gen.quant, stderr, *quiet); err != nil {
			return err
		}
		defer img.v.Close()
	}
	switch {
	case *chatFmt:
		var msgs []chat.Message
		if c.system != "" {
			msgs = append(msgs, chat.Message{Role: chat.RoleSystem, Content: c.system})
		}
		user := chat.Message{Role: chat.RoleUser, Content: pos[0]}
		if img != nil {
			user.Parts = imageParts(len(images), pos[0]) // the images, then the text
		}
		msgs = append(msgs, user)
		if prompt, err = chat.Encode(tok, msgs, chat.Options{AddGenerationPrompt: true}); err != nil {
			return err
		}
	case len(pos) > 0:
		// Text prompt: special tokens written in the text are recognised, and
		// <|begin_of_text|> is added unless the text starts with it.
		prompt = tok.Encode(pos[0], true)
		if len(prompt) == 0 || prompt[0] != tok.BOS() {
			prompt = append([]int32{tok.BOS()}, prompt...)
		}
		if img != nil {
			if prompt, err = img.placeholders(prompt, tok.BOS(), len(images)); err != nil {
				return err
			}
		}
	}
	// Images: each <|image|> placeholder becomes the image's token layout,
	// whose <|patch|> rows take the projected image features.
	var fused *llama4.ImagePrompt
	if img != nil {
		if fused, err = img.fuse(prompt, images); err != nil {
			return err
		}
		prompt = fused.IDs
	}
	want := c.gen.ctx
	if want == 0 {
		want = len(prompt) + c.n
	}
	limit, err := ctxLimit(want, c.gen.ctx != 0, m.Config.MaxPositions)
	if err != nil {
		return err
	}
	if len(prompt) > limit {
		return fmt.Errorf("prompt of %d tokens does not fit the context of %d tokens", len(prompt), limit)
	}
	if !cf.on() { // a pipeline plans its stages itself
		if err := checkPlan(m, limit, *batch, gm.kv, stderr, *quiet); err != nil {
			return err
		}
	}
	em, done, err := cf.model(m, limit, *batch, gm.kv, 1, stderr, *quiet)
	if err != nil {
		return err
	}
	defer done()
	cache, err := m.NewCacheOf(limit, gm.kv)
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
	_, err = generate(em, cache, req, *batch, text, stdout, stderr, *quiet)
	return err
}

// checkPlan computes the memory plan for a run, prints it, and refuses a run
// that would not fit in the machine's available memory.
func checkPlan(m *llama4.Model, ctx, batch int, dt tensor.DType, stderr io.Writer, quiet bool) error {
	in := m.PlanInput(ctx, min(batch, ctx), dt)
	p := kvcache.MakePlan(in)
	avail, err := kvcache.Available()
	if err != nil {
		return nil // no way to know; run anyway
	}
	if err := kvcache.Fit(in, &p, avail); err != nil {
		return err
	}
	if !quiet {
		fmt.Fprintf(stderr, "plan: %d tokens, %s KV cache %s (global %s + chunked %s) + weights %s + scratch %s = %s of %s available\n",
			ctx, dt, kvcache.Human(p.KVBytes), kvcache.Human(p.KVGlobalBytes), kvcache.Human(p.KVChunkedBytes),
			kvcache.Human(p.WeightBytes), kvcache.Human(p.ScratchBytes), kvcache.Human(p.TotalBytes), kvcache.Human(avail))
	}
	return nil
}

// generate runs req on a session over cache (prefill in batches, then up to
// req.MaxTokens tokens), streaming the generated tokens to out: as text with
// text set (never splitting a UTF-8 character), otherwise as ids separated
// by spaces. A stop id ends generation and is not printed.
func generate(m engine.Model, cache *kvcache.Cache, req *engine.Request, batch int, text *tokenizer.Decoder, out, stderr io.Writer, quiet bool) ([]int32, error) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	s := engine.NewSession(m, cache, batch)
	if err := s.Start(req); err != nil {
		return nil, err
	}
	t0 := time.Now()
	if err := s.Prefill(); err != nil {
		return nil, err
	}
	tPrompt := time.Since(t0)
	t1 := time.Now()
	n := 0 // tokens generated, the stop id included
	for n < req.MaxTokens {
		ev, err := s.Next()
		if err != nil {
			return s.Generated(), err
		}
		n++
		if s.Finish() == "stop" {
			break
		}
		if text != nil {
			w.WriteString(text.Add(ev.Token))
		} else {
			if n > 1 {
				w.WriteByte(' ')
			}
			w.WriteString(strconv.Itoa(int(ev.Token)))
		}
		w.Flush()
		if s.Finish() != "" {
			if n < req.MaxTokens {
				fmt.Fprintf(stderr, "\nherd: context of %d tokens is full; stopping\n", cache.MaxLen())
			}
			break
		}
	}
	if text != nil {
		w.WriteString(text.Flush())
	}
	w.WriteByte('\n')
	w.Flush()
	if !quiet {
		tGen := time.Since(t1)
		fmt.Fprintf(stderr, "prompt: %d tokens in %v (%.1f t/s); generated: %d tokens in %v (%.1f t/s); seed %d\n",
			len(req.Prompt), tPrompt.Round(time.Millisecond), float64(len(req.Prompt))/tPrompt.Seconds(),
			n, tGen.Round(time.Millisecond), float64(n)/tGen.Seconds(), req.Sampling.Seed)
	}
	return s.Generated(), nil
}
