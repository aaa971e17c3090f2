package sft

import (
	"fmt"
	"slices"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train/dataset"
)

// Seq is one encoded example: the tokens of the rendered conversation,
// shifted into next-token inputs and targets, with the targets of every
// token that is not written by the assistant set to dataset.IgnoreIndex.
type Seq struct {
	Inputs, Targets []int32
	Line            int // the example's JSONL line (0 when not from a file)
}

// Trained is the number of targets that carry loss.
func (s *Seq) Trained() int { return dataset.CountValid(s.Targets) }

// Encode renders ex with package chat (chat.Encode: Llama 4 chat format,
// tools in the first user turn) and marks the assistant tokens: for each
// assistant message, the tokens after the conversation before it rendered
// with the generation prompt (which ends with the assistant header) up to
// and including its <|eot|>. These are the tokens the model writes at
// inference; the loss is on them only. Tool calls are rendered as the
// template writes them (<|python_start|>…<|python_end|> then JSON), so they
// are learned too; tool results, user and system turns are not.
func Encode(tok *tokenizer.Tokenizer, ex *Example) (Seq, error) {
	opts := chat.Options{Tools: ex.Tools}
	all, err := chat.Encode(tok, ex.Messages, opts)
	if err != nil {
		return Seq{}, fmt.Errorf("sft: line %d: %w", ex.Line, err)
	}
	mask := make([]bool, len(all))
	for i, m := range ex.Messages {
		if m.Role != chat.RoleAssistant {
			continue
		}
		opts.AddGenerationPrompt = true
		before, err := chat.Encode(tok, ex.Messages[:i], opts)
		if err != nil {
			return Seq{}, fmt.Errorf("sft: line %d: message %d: %w", ex.Line, i, err)
		}
		opts.AddGenerationPrompt = false
		through, err := chat.Encode(tok, ex.Messages[:i+1], opts)
		if err != nil {
			return Seq{}, fmt.Errorf("sft: line %d: message %d: %w", ex.Line, i, err)
		}
		if len(through) <= len(before) || !slices.Equal(through[:len(before)], before) || !slices.Equal(all[:len(through)], through) {
			return Seq{}, fmt.Errorf("sft: line %d: message %d: the rendering of the conversation up to the assistant turn is not a prefix of the whole (an assistant turn cannot come first when tools go in the first user turn)", ex.Line, i)
		}
		for j := len(before); j < len(through); j++ {
			mask[j] = true
		}
	}
	s := Seq{Inputs: all[:len(all)-1], Targets: make([]int32, len(all)-1), Line: ex.Line}
	for j := range s.Targets {
		s.Targets[j] = dataset.IgnoreIndex
		if mask[j+1] {
			s.Targets[j] = all[j+1]
		}
	}
	if s.Trained() == 0 {
		return Seq{}, fmt.Errorf("sft: line %d: no assistant tokens to learn", ex.Line)
	}
	return s, nil
}
