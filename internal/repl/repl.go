// Package repl is herd chat's conversation in the terminal: a read-eval
// loop of messages and slash commands (/image, /reset, /system, /bye) over
// one generation session whose KV cache is kept between turns, so each turn
// only prefills what is new; Ctrl-C stops an answer.
package repl

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/imageprompt"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/sample"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/vision"
)

// Session is a conversation with a model. The KV cache is kept between
// turns, so each turn only prefills what is new.
type Session struct {
	// LoadImages loads the vision tower on the first /image (nil: the chat
	// takes no images).
	LoadImages func() (*imageprompt.Input, error)
	// NotifyInterrupt relays Ctrl-C to c until the returned stop is called
	// (nil: os/signal's, for os.Interrupt).
	NotifyInterrupt func(c chan<- os.Signal) (stop func())

	m      *llama4.Model
	tok    *tokenizer.Tokenizer
	cache  *kvcache.Cache
	sess   *engine.Session // generates over cache, kept between turns
	sp     sample.Params
	maxNew int
	system string
	msgs   []chat.Message

	// Images: attached images go with the next message and then stay in the
	// history, encoded once.
	img      *imageprompt.Input
	attached []*vision.Pixels // for the next message
	pixels   []*vision.Pixels // in the history, in order
	feats    [][]float32      // their projected features
}

// New allocates a KV cache of ctx tokens of type kv for a chat with m
// (the caller has checked that it fits), answering with at most maxNew
// tokens sampled per sp, under the system prompt system ("" for none).
func New(m *llama4.Model, tok *tokenizer.Tokenizer, kv tensor.DType, ctx int, sp sample.Params, maxNew int, system string) (*Session, error) {
	cache, err := m.NewCacheOf(ctx, kv)
	if err != nil {
		return nil, err
	}
	return &Session{m: m, tok: tok, cache: cache, sess: engine.NewSession(m, cache, 512), sp: sp, maxNew: maxNew, system: system}, nil
}

// notifyInterrupt relays Ctrl-C to c until the returned stop is called.
func notifyInterrupt(c chan<- os.Signal) (stop func()) {
	signal.Notify(c, os.Interrupt)
	return func() { signal.Stop(c) }
}

// Loop reads messages and commands from in until EOF or /bye, streaming
// each answer to out; the prompt, notes and errors go to errw. Ctrl-C stops
// the answer being generated (the conversation keeps what was said); at the
// prompt it only says how to quit.
func (s *Session) Loop(in io.Reader, out, errw io.Writer) error {
	fmt.Fprintln(errw, "herd chat: type a message. Commands: /image PATH, /reset, /system TEXT, /bye. Ctrl+C stops an answer; Ctrl+D or /bye quits.")
	// Ctrl-C cancels the answer being generated (the conversation keeps
	// what was said); at the prompt it only says how to quit, as ollama does.
	sig := make(chan os.Signal, 1)
	notify := s.NotifyInterrupt
	if notify == nil {
		notify = notifyInterrupt
	}
	stop := notify(sig)
	defer func() { stop(); close(sig) }()
	var generating atomic.Bool
	var cancel atomic.Pointer[context.CancelFunc]
	idle := make(chan struct{}, 1)
	go func() {
		for range sig {
			if generating.Load() {
				if c := cancel.Load(); c != nil {
					(*c)()
				}
				continue
			}
			select {
			case idle <- struct{}{}:
			default:
			}
		}
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for {
		fmt.Fprint(errw, "> ")
		var line string
		select {
		case l, ok := <-lines:
			if !ok {
				fmt.Fprintln(errw)
				return nil
			}
			line = l
		case <-idle:
			fmt.Fprintln(errw, "\nUse Ctrl+D or /bye to exit.")
			continue
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case line == "/bye" || line == "/quit" || line == "/exit":
			return nil
		case line == "/reset":
			s.clear()
			fmt.Fprintln(errw, "(conversation cleared)")
			continue
		case strings.HasPrefix(line, "/system"):
			s.system = strings.TrimSpace(strings.TrimPrefix(line, "/system"))
			s.clear()
			fmt.Fprintf(errw, "(system prompt set; conversation cleared)\n")
			continue
		case line == "/image" || strings.HasPrefix(line, "/image "):
			if err := s.attach(strings.TrimSpace(strings.TrimPrefix(line, "/image"))); err != nil {
				fmt.Fprintf(errw, "error: %v\n", err)
			} else {
				px := s.attached[len(s.attached)-1]
				fmt.Fprintf(errw, "(image attached to the next message: %d×%d tiles, %d tokens)\n", px.Rows, px.Cols, vision.LayoutLen(px.Rows, px.Cols, s.img.V.Model.Config.TokensPerTile()))
			}
			continue
		case strings.HasPrefix(line, "/"):
			fmt.Fprintf(errw, "unknown command %s (try /image PATH, /reset, /system TEXT, /bye)\n", line)
			continue
		}
		ctx, c := context.WithCancel(context.Background())
		cancel.Store(&c)
		generating.Store(true)
		_, err := s.Turn(ctx, line, out)
		generating.Store(false)
		stopped := ctx.Err() != nil // Ctrl-C, before c() cancels ctx anyway
		c()
		if err != nil {
			fmt.Fprintf(errw, "\nerror: %v\n", err)
			continue
		}
		if stopped {
			fmt.Fprintln(errw, "\n(stopped)")
		}
	}
}

// Turn adds the user's message, generates the answer (streamed to out) and
// records it in the history.
func (s *Session) Turn(ctx context.Context, user string, out io.Writer) (string, error) {
	msgs := append([]chat.Message(nil), s.msgs...)
	if s.system != "" && len(msgs) == 0 {
		msgs = append(msgs, chat.Message{Role: chat.RoleSystem, Content: s.system})
	}
	um := chat.Message{Role: chat.RoleUser, Content: user}
	attached := s.attached
	s.attached = nil // they go with this message, or are dropped with it on error
	if len(attached) > 0 {
		um.Parts = imageprompt.Parts(len(attached), user)
	}
	msgs = append(msgs, um)
	ids, err := chat.Encode(s.tok, msgs, chat.Options{AddGenerationPrompt: true})
	if err != nil {
		return "", err
	}
	// Images: expand the placeholders; only the new images run the tower.
	// Cached rows are reused only up to the first new image.
	var fused *llama4.ImagePrompt
	reuse := len(ids)
	pixels, feats := s.pixels, s.feats
	if len(s.pixels)+len(attached) > 0 {
		nf, err := s.img.V.Encode(attached)
		if err != nil {
			return "", err
		}
		pixels = append(append([]*vision.Pixels(nil), s.pixels...), attached...)
		feats = append(append([][]float32(nil), s.feats...), nf...)
		if fused, err = s.img.V.FuseEncoded(ids, pixels, feats, s.img.Tokens); err != nil {
			return "", err
		}
		ids = fused.IDs
		if len(attached) > 0 {
			reuse = fused.Starts[len(s.pixels)]
		}
	}
	if len(ids) >= s.cache.MaxLen() {
		return "", fmt.Errorf("the conversation (%d tokens) no longer fits the context of %d tokens: /reset to start over", len(ids), s.cache.MaxLen())
	}
	// The session keeps the cached prefix this conversation shares (up to
	// the first new image), so only the new turn is prefilled.
	req := &engine.Request{Prompt: ids, MaxTokens: s.maxNew, Sampling: s.sp, TopLogprobs: -1, ReuseLimit: reuse,
		StopIDs: engine.StopIDs(s.m.Config.EOS, s.tok.StopTokens())}
	if fused != nil {
		req.Embeds, req.UseEmbed = fused.Embeds, fused.UseEmbed
	}
	if err := s.sess.Start(req); err != nil {
		return "", err
	}
	if err := s.sess.Prefill(); err != nil {
		return "", err
	}
	s.pixels, s.feats = pixels, feats
	dec := s.tok.NewDecoder(true)
	var answer strings.Builder
	w := bufio.NewWriter(out)
	for s.maxNew > 0 && s.sess.Finish() == "" && ctx.Err() == nil {
		ev, err := s.sess.Next()
		if err != nil {
			return "", err
		}
		if s.sess.Finish() == "stop" {
			break
		}
		piece := dec.Add(ev.Token)
		answer.WriteString(piece)
		w.WriteString(piece)
		w.Flush()
	}
	rest := dec.Flush()
	answer.WriteString(rest)
	w.WriteString(rest + "\n")
	w.Flush()
	s.msgs = append(msgs, chat.Message{Role: chat.RoleAssistant, Content: answer.String()})
	return answer.String(), nil
}

// attach reads an image for the next message, loading the vision tower on
// first use.
func (s *Session) attach(path string) error {
	if path == "" {
		return fmt.Errorf("usage: /image PATH")
	}
	if s.img == nil {
		if s.LoadImages == nil {
			return fmt.Errorf("this chat takes no images")
		}
		in, err := s.LoadImages()
		if err != nil {
			return err
		}
		s.img = in
	}
	if n := len(s.pixels) + len(s.attached); n >= s.img.V.MaxImages {
		return fmt.Errorf("the conversation already has %d images, the limit (/reset to start over)", n)
	}
	px, err := s.img.Read([]string{path})
	if err != nil {
		return err
	}
	s.attached = append(s.attached, px[0])
	return nil
}

// clear forgets the conversation and its images, and the cached positions
// when there were images (a new image shares ids with an old one of the same
// shape; turn also never reuses rows from a new image's first row on).
func (s *Session) clear() {
	if len(s.pixels) > 0 {
		s.cache.Reset()
	}
	s.msgs, s.attached, s.pixels, s.feats = nil, nil, nil, nil
}

// Close releases the vision tower, when one was loaded.
func (s *Session) Close() {
	if s.img != nil {
		s.img.V.Close()
	}
}
