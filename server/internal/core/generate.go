package core

import (
	"context"
	"strings"
	"time"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/sample"
	"github.com/herd-llm/herd/tokenizer"
)

// GenParams is one generation job, shared by the endpoints.
type GenParams struct {
	Prompt      []int32
	maxTokens   int
	sampling    sample.Params
	stops       []string // stop strings (text-level)
	logprobs    bool
	topLogprobs int
	Constraint  func() engine.Constraint // fresh state per choice; nil: none
	keepSpecial map[int32]bool           // special tokens whose names stay in the text (tool-call tags)
	images      *engine.Images           // encoded by the engine, once for all choices; nil: text only
}

// ChoiceEvent is a piece of one choice's output.
type ChoiceEvent struct {
	Text   string
	Toks   []tokenOut // the tokens behind Text (for logprobs)
	Finish string     // set on the last event: "stop", "length", "tool_calls"
	Err    error      // set on the last event when generation failed
	// Cut, on the last event, reports constrained output (a forced tool
	// call, a JSON answer) that the token limit ended before its grammar
	// accepted it: the text is then not a valid answer.
	Cut   bool
	Stop  string       // on the last event: the stop string that ended the choice, if one did
	Usage engine.Usage // on the last event
}

// completer is a constraint that knows whether its output is complete
// (grammar.Constraint).
type completer interface{ Complete() bool }

type tokenOut struct {
	id      int32
	text    string
	logprob float32
	top     []engine.TokenProb
}

// RunChoice runs one choice to the end, calling emit with text as it becomes
// final: text that might still turn into a stop string is held back, UTF-8
// characters are never split, and the stop string itself is never sent.
func (s *Core) RunChoice(ctx context.Context, gp GenParams, emit func(ChoiceEvent)) {
	runs, err := s.submitChoices(ctx, 1, gp)
	if err != nil {
		emit(ChoiceEvent{Err: err})
		return
	}
	s.follow(runs[0], emit)
}

// follow reads a submitted choice's events to the end (see RunChoice).
func (s *Core) follow(run *choiceRun, emit func(ChoiceEvent)) {
	ctx, cancel, stream, gp, cons := run.ctx, run.cancel, run.stream, run.gp, run.cons
	defer cancel()
	dec := s.tok.NewDecoder(false)
	var all strings.Builder // generated text so far
	sent := 0               // bytes of all already emitted
	var pendingToks []tokenOut
	maxStop := 0
	for _, st := range gp.stops {
		maxStop = max(maxStop, len(st))
	}
	for {
		ev, ok := stream.Recv(ctx)
		if !ok {
			emit(ChoiceEvent{Err: context.Cause(ctx), Finish: ""})
			return
		}
		if ev.Done {
			rest := all.String()[sent:] + dec.Flush()
			fin := ev.Finish
			if ev.Err != nil {
				emit(ChoiceEvent{Err: ev.Err, Usage: ev.Usage})
				return
			}
			s.met.Finished(ev.Usage, fin)
			cut := fin == "length" && cons != nil && !cons.Complete() // the engine is done with the constraint
			emit(ChoiceEvent{Text: rest, Toks: pendingToks, Finish: fin, Usage: ev.Usage, Cut: cut})
			return
		}
		piece := ""
		if !s.tok.IsSpecial(ev.Token) || gp.keepSpecial[ev.Token] {
			piece = dec.Add(ev.Token) // other specials (end of turn and the like) are not answer text
		}
		all.WriteString(piece)
		pendingToks = append(pendingToks, tokenOut{id: ev.Token, text: tokenText(s.tok, ev.Token), logprob: ev.Logprob, top: ev.TopLogprobs})
		text := all.String()
		if maxStop > 0 {
			from := max(0, sent-maxStop+1)
			cut, stop := -1, ""
			for _, st := range gp.stops {
				if st == "" {
					continue
				}
				if i := strings.Index(text[from:], st); i >= 0 && (cut < 0 || from+i < cut) {
					cut, stop = from+i, st
				}
			}
			if cut >= 0 {
				out := ""
				if cut > sent {
					out = text[sent:cut]
				}
				cancel()
				emit(ChoiceEvent{Text: out, Toks: pendingToks, Finish: "stop", Stop: stop, Usage: s.drainUsage(stream, len(gp.Prompt))})
				return
			}
		}
		// Hold back a suffix that could begin a stop string.
		hold := 0
		for _, st := range gp.stops {
			for k := min(len(st)-1, len(text)-sent); k > hold; k-- {
				if strings.HasSuffix(text, st[:k]) {
					hold = k
					break
				}
			}
		}
		if end := len(text) - hold; end > sent {
			emit(ChoiceEvent{Text: text[sent:end], Toks: pendingToks})
			sent = end
			pendingToks = nil
		}
	}
}

// drainUsage waits briefly for the cancelled request's final event to learn
// its usage; it falls back to the prompt length alone.
func (s *Core) drainUsage(st *engine.Stream, promptLen int) engine.Usage {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		ev, ok := st.Recv(ctx)
		if !ok {
			return engine.Usage{PromptTokens: promptLen}
		}
		if ev.Done {
			s.met.Finished(ev.Usage, "stop") // cut at a stop string
			return ev.Usage
		}
	}
}

// tokenText is one token's text for logprobs (bytes may be a partial UTF-8
// character; they are shown with the replacement character).
func tokenText(t *tokenizer.Tokenizer, id int32) string {
	b, _ := t.TokenBytes(id)
	return strings.ToValidUTF8(b, "\uFFFD")
}
