package rl

import (
	"context"
	"fmt"
	"slices"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/posttrain/tasks"
	"github.com/herd-llm/herd/tokenizer"
)

// Episode is one rollout of a prompt, as the learner sees it: the whole
// token sequence (the prompt, the policy's turns and, for tool tasks, the
// tool results between them) with the tokens the policy wrote marked.
type Episode struct {
	Tokens []int32   // the sequence
	Gen    []bool    // per token: written by the policy (loss on it)
	Behav  []float32 // per token: its behaviour log-probability where Gen
	// Reward is the task's exact reward; Correct whether it is full (1).
	Reward  float64
	Correct bool
	Version int64 // the oldest policy version that wrote a turn
	// Transcript is the turns after the prompt's messages.
	Transcript []chat.Message
}

// Generated is the number of tokens the policy wrote.
func (e *Episode) Generated() int {
	n := 0
	for _, g := range e.Gen {
		if g {
			n++
		}
	}
	return n
}

// Roller turns prompts into episodes: it renders them with the chat
// template, samples each assistant turn with a Generator, runs the tools
// the model calls (tasks.Turn) and scores the transcript.
type Roller struct {
	Tok       *tokenizer.Tokenizer
	Gen       Generator
	MaxTokens int // tokens per assistant turn
	MaxTurns  int // assistant turns per episode (tool tasks)
	Ctx       int // longest episode, in tokens
}

// Rollout runs n episodes of prompt p of task t at temperature, completion
// j seeded by seed+j (all first turns go to the generator as one request).
func (r *Roller) Rollout(ctx context.Context, t tasks.Task, p *tasks.Prompt, n int, temperature float64, seed uint64) ([]Episode, error) {
	prompt, err := chat.Encode(r.Tok, p.Messages, p.ChatOptions(true))
	if err != nil {
		return nil, fmt.Errorf("rl: prompt %q: %w", p.Key, err)
	}
	if len(prompt) >= r.Ctx {
		return nil, fmt.Errorf("rl: prompt %q is %d tokens, the context %d", p.Key, len(prompt), r.Ctx)
	}
	first, err := r.Gen.Generate(ctx, GenRequest{Prompt: prompt, N: n, MaxTokens: min(r.MaxTokens, r.Ctx-len(prompt)), Temperature: temperature, Seed: seed})
	if err != nil {
		return nil, err
	}
	eps := make([]Episode, n)
	for j := range n {
		e := &eps[j]
		e.Tokens = slices.Clone(prompt)
		e.Gen = make([]bool, len(prompt))
		e.Behav = make([]float32, len(prompt))
		e.Version = first[j].Version
		if err := r.finish(ctx, t, p, e, first[j], temperature, seed+uint64(n)*uint64(j+1)); err != nil {
			return nil, err
		}
	}
	return eps, nil
}

// finish appends the first turn c to e, runs the further turns of a tool
// task, and scores the transcript.
func (r *Roller) finish(ctx context.Context, t tasks.Task, p *tasks.Prompt, e *Episode, c Completion, temperature float64, seed uint64) error {
	msgs := slices.Clone(p.Messages)
	opts := p.ChatOptions(false)
	for turn := 1; ; turn++ {
		e.Tokens = append(e.Tokens, c.Tokens...)
		e.Behav = append(e.Behav, c.Logprobs...)
		for range c.Tokens {
			e.Gen = append(e.Gen, true)
		}
		e.Version = min(e.Version, c.Version)
		text := c.Tokens
		ended := c.Finish == "stop" && len(text) > 0
		if ended {
			text = text[:len(text)-1]
		}
		ms, done := tasks.Turn(t.Tools(), r.Tok.Decode(text, false))
		e.Transcript = append(e.Transcript, ms...)
		if done || !ended || c.Tokens[len(c.Tokens)-1] != r.Tok.EOT() || turn >= r.MaxTurns {
			break
		}
		// The tool results, rendered after the assistant's turn, end with
		// the next assistant header: context, not the policy's.
		before, err := chat.Encode(r.Tok, append(msgs, ms[0]), opts)
		if err != nil {
			return fmt.Errorf("rl: prompt %q: %w", p.Key, err)
		}
		opts.AddGenerationPrompt = true
		after, err := chat.Encode(r.Tok, append(msgs, ms...), opts)
		opts.AddGenerationPrompt = false
		if err != nil {
			return fmt.Errorf("rl: prompt %q: %w", p.Key, err)
		}
		if len(after) <= len(before) || !slices.Equal(after[:len(before)], before) {
			return fmt.Errorf("rl: prompt %q: the tool results' rendering does not extend the conversation's", p.Key)
		}
		msgs = append(msgs, ms...)
		ctxTok := after[len(before):]
		if len(e.Tokens)+len(ctxTok) >= r.Ctx {
			break // no room for another turn: the episode ends without an answer
		}
		e.Tokens = append(e.Tokens, ctxTok...)
		e.Gen = append(e.Gen, make([]bool, len(ctxTok))...)
		e.Behav = append(e.Behav, make([]float32, len(ctxTok))...)
		next, err := r.Gen.Generate(ctx, GenRequest{Prompt: e.Tokens, N: 1, MaxTokens: min(r.MaxTokens, r.Ctx-len(e.Tokens)), Temperature: temperature, Seed: seed + uint64(turn)})
		if err != nil {
			return err
		}
		c = next[0]
	}
	if len(e.Tokens) > r.Ctx {
		return fmt.Errorf("rl: episode of %d tokens exceeds the context %d", len(e.Tokens), r.Ctx)
	}
	var err error
	if e.Reward, err = t.Score(p, e.Transcript); err != nil {
		return err
	}
	e.Correct = e.Reward >= 1
	return nil
}
