// Package textgen is herd run's generation: the memory plan checked
// before anything is allocated, then one request prefilled and decoded on
// an engine.Session, its tokens streamed to a writer as text (never
// splitting a UTF-8 character) or as ids, with the timings.
package textgen

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/imageprompt"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/tokenizer"
)

// CheckPlan computes the memory plan for a run, with the residents held
// beside the model for the whole run (an image prompt's vision tower),
// prints it, and refuses a run that would not fit in the machine's
// available memory (when that is known). quiet prints nothing.
func CheckPlan(m *llama4.Model, ctx, batch int, dt tensor.DType, stderr io.Writer, quiet bool, residents ...kvcache.Resident) error {
	in := m.PlanInput(ctx, min(batch, ctx), dt)
	in.Residents = residents
	p := kvcache.MakePlan(in)
	avail, err := kvcache.Available()
	if err != nil {
		return nil // no way to know; run anyway
	}
	if err := kvcache.Fit(in, &p, avail); err != nil {
		return err
	}
	if !quiet {
		beside := ""
		if len(residents) > 0 {
			beside = fmt.Sprintf(" + %s beside (%s)", kvcache.Human(p.ResidentBytes), kvcache.ResidentList(residents, false))
		}
		fmt.Fprintf(stderr, "plan: %d tokens, %s KV cache %s (global %s + chunked %s) + weights %s + scratch %s%s = %s of %s available\n",
			ctx, dt, kvcache.Human(p.KVBytes), kvcache.Human(p.KVGlobalBytes), kvcache.Human(p.KVChunkedBytes),
			kvcache.Human(p.WeightBytes), kvcache.Human(p.ScratchBytes), beside, kvcache.Human(p.TotalBytes), kvcache.Human(avail))
	}
	return nil
}

// Generate runs req on a session over cache (prefill in batches, then up to
// req.MaxTokens tokens), streaming the generated tokens to out: as text with
// text set (never splitting a UTF-8 character), otherwise as ids separated
// by spaces. A stop id ends generation and is not printed.
func Generate(m engine.Model, cache *kvcache.Cache, req *engine.Request, batch int, text *tokenizer.Decoder, out, stderr io.Writer, quiet bool) ([]int32, error) {
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

// EncodePrompt is the token ids of herd run's text prompt. With chat, it is
// a user turn in the Llama 4 chat format (after the system prompt, when
// not "") holding the images first, then the text, and the assistant's
// header; otherwise the text with the special tokens written in it
// recognised, <|begin_of_text|> added unless it starts with it, and one
// <|image|> per image (img.Placeholders). img is nil without images.
func EncodePrompt(tok *tokenizer.Tokenizer, text string, chatFormat bool, system string, img *imageprompt.Input, images int) ([]int32, error) {
	if chatFormat {
		var msgs []chat.Message
		if system != "" {
			msgs = append(msgs, chat.Message{Role: chat.RoleSystem, Content: system})
		}
		user := chat.Message{Role: chat.RoleUser, Content: text}
		if img != nil {
			user.Parts = imageprompt.Parts(images, text)
		}
		return chat.Encode(tok, append(msgs, user), chat.Options{AddGenerationPrompt: true})
	}
	prompt := tok.Encode(text, true)
	if len(prompt) == 0 || prompt[0] != tok.BOS() {
		prompt = append([]int32{tok.BOS()}, prompt...)
	}
	if img != nil {
		return img.Placeholders(prompt, tok.BOS(), images)
	}
	return prompt, nil
}
