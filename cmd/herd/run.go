package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/sample"
)

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", stderr)
	model := fs.String("m", "", "model: a Hugging Face Llama 4 directory")
	idsFlag := fs.String("ids", "", `prompt as token ids, e.g. "200000 19873 24"`)
	n := fs.Int("n", 64, "maximum number of tokens to generate")
	ctx := fs.Int("ctx", 0, "context length in tokens (0: prompt + n, capped by the model's max_position_embeddings)")
	temp := fs.Float64("temp", 0.8, "sampling temperature; 0 = greedy")
	topK := fs.Int("top-k", 40, "top-k sampling; 0 = off")
	topP := fs.Float64("top-p", 0.95, "top-p (nucleus) sampling; 1 = off")
	minP := fs.Float64("min-p", 0.05, "min-p sampling; 0 = off")
	rep := fs.Float64("repeat-penalty", 1.0, "repetition penalty; 1 = off")
	repN := fs.Int("repeat-last-n", 64, "tokens of history the repetition penalty looks at; 0 = all")
	seed := fs.Int64("seed", -1, "random seed; -1 = random")
	ignoreEOS := fs.Bool("ignore-eos", false, "keep generating after an end-of-sequence token")
	quiet := fs.Bool("q", false, "do not print timings to stderr")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *idsFlag == "" && len(pos) == 0 {
		return usagef("give a prompt: --ids \"1 2 3\" (text prompts need a tokenizer, which lands with the tokenizer issue)")
	}
	if *idsFlag != "" && len(pos) > 0 {
		return usagef("give either --ids or a text prompt, not both")
	}
	if len(pos) > 0 {
		return fmt.Errorf("text prompts need a tokenizer, which herd does not have yet; pass the prompt as --ids")
	}
	if *n < 0 {
		return usagef("-n %d must be ≥ 0", *n)
	}
	prompt, err := parseIDs(*idsFlag)
	if err != nil {
		return usagef("%v", err)
	}
	s := uint64(*seed)
	if *seed < 0 {
		s = rand.Uint64()
	}
	sp := sample.Params{Temperature: float32(*temp), TopK: *topK, TopP: float32(*topP), MinP: float32(*minP),
		RepeatPenalty: float32(*rep), RepeatLastN: *repN, Seed: s}
	if err := sp.Validate(); err != nil {
		return usagef("%v", err)
	}
	m, err := loadModel(*model)
	if err != nil {
		return err
	}
	defer m.Close()
	limit := *ctx
	if limit == 0 {
		limit = min(len(prompt)+*n, m.Config.MaxPositions)
	}
	if limit > m.Config.MaxPositions {
		return fmt.Errorf("--ctx %d exceeds the model's max_position_embeddings %d", limit, m.Config.MaxPositions)
	}
	if len(prompt) > limit {
		return fmt.Errorf("prompt of %d tokens does not fit the context of %d tokens", len(prompt), limit)
	}
	_, err = generate(m, prompt, *n, limit, sp, *ignoreEOS, stdout, stderr, *quiet)
	return err
}

// generate prefills prompt and decodes up to n tokens, streaming ids to out.
func generate(m *llama4.Model, prompt []int32, n, limit int, sp sample.Params, ignoreEOS bool, out, stderr io.Writer, quiet bool) ([]int32, error) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	cache := m.NewCache(limit)
	smp := sample.New(sp)
	hist := append([]int32(nil), prompt...)
	t0 := time.Now()
	logits, err := m.Forward(cache, prompt, llama4.ForwardOptions{})
	if err != nil {
		return nil, err
	}
	tPrompt := time.Since(t0)
	t1 := time.Now()
	var gen []int32
	for len(gen) < n {
		id := smp.Sample(logits, hist)
		gen = append(gen, id)
		hist = append(hist, id)
		if len(gen) > 1 {
			w.WriteByte(' ')
		}
		w.WriteString(strconv.Itoa(int(id)))
		w.Flush()
		if !ignoreEOS && m.Config.IsEOS(int(id)) {
			break
		}
		if len(gen) == n {
			break
		}
		if cache.Len() >= limit {
			fmt.Fprintf(stderr, "\nherd: context of %d tokens is full; stopping\n", limit)
			break
		}
		if logits, err = m.Forward(cache, []int32{id}, llama4.ForwardOptions{}); err != nil {
			return gen, err
		}
	}
	w.WriteByte('\n')
	w.Flush()
	if !quiet {
		tGen := time.Since(t1)
		fmt.Fprintf(stderr, "prompt: %d tokens in %v (%.1f t/s); generated: %d tokens in %v (%.1f t/s); seed %d\n",
			len(prompt), tPrompt.Round(time.Millisecond), float64(len(prompt))/tPrompt.Seconds(),
			len(gen), tGen.Round(time.Millisecond), float64(len(gen))/tGen.Seconds(), sp.Seed)
	}
	return gen, nil
}
