package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"time"

	"github.com/herd-llm/herd/embedded"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/sample"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/vision"
)

// chatSession is a conversation with a model in the terminal. The KV cache
// is kept between turns, so each turn only prefills what is new.
type chatSession struct {
	m      *llama4.Model
	tok    *tokenizer.Tokenizer
	cache  *kvcache.Cache
	sess   *engine.Session // generates over cache, kept between turns
	sp     sample.Params
	maxNew int
	system string
	msgs   []chat.Message

	// Images: /image loads the vision tower on first use; attached images
	// go with the next message and then stay in the history, encoded once.
	dir, quant string
	img        *imageInput
	attached   []*vision.Pixels // for the next message
	pixels     []*vision.Pixels // in the history, in order
	feats      [][]float32      // their projected features
}

func cmdChat(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("chat", stderr)
	model := modelFlag(fs, "model: a Hugging Face Llama 4 directory with a tokenizer, or .gguf file (default: the embedded "+embedded.Name+" model)")
	system := fs.String("system", "", "system prompt")
	ctx := fs.Int("ctx", 8192, "context length in tokens")
	n := fs.Int("n", 1024, "most tokens per answer")
	temp := fs.Float64("temp", 0.8, "sampling temperature; 0 = greedy")
	topP := fs.Float64("top-p", 0.95, "top-p sampling")
	minP := fs.Float64("min-p", 0.05, "min-p sampling")
	seed := fs.Int64("seed", -1, "random seed; -1 = random")
	quantFlag := fs.String("quant", "", quantHelp)
	kvType := fs.String("kv-type", "f16", "KV cache element type")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	kvdt, err := kvcache.ParseKVType(*kvType)
	if err != nil {
		return usagef("--kv-type: %v", err)
	}
	sp := sample.Params{Temperature: float32(*temp), TopP: float32(*topP), MinP: float32(*minP), Seed: uint64(*seed)}
	if *seed < 0 {
		sp.Seed = uint64(time.Now().UnixNano())
	}
	if err := sp.Validate(); err != nil {
		return usagef("%v", err)
	}
	m, err := loadModel(*model)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := applyQuant(m, *quantFlag, stderr, true); err != nil {
		return err
	}
	tok, err := loadTokenizer(*model, m)
	if err != nil {
		return err
	}
	limit := min(*ctx, m.Config.MaxPositions)
	if err := checkPlan(m, limit, 512, kvdt, stderr, true); err != nil {
		return err
	}
	cache, err := m.NewCacheOf(limit, kvdt)
	if err != nil {
		return err
	}
	s := &chatSession{m: m, tok: tok, cache: cache, sess: engine.NewSession(m, cache, 512), sp: sp, maxNew: *n, system: *system, dir: *model, quant: *quantFlag}
	defer s.closeVision()
	return s.loop(stdin, stdout, stderr)
}

func (s *chatSession) loop(in io.Reader, out, errw io.Writer) error {
	fmt.Fprintln(errw, "herd chat: type a message. Commands: /image PATH, /reset, /system TEXT, /quit. Ctrl-C stops an answer; Ctrl-D quits.")
	// Ctrl-C cancels the answer being generated; at the prompt it quits.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	var generating atomic.Bool
	var cancel atomic.Pointer[context.CancelFunc]
	quit := make(chan struct{})
	go func() {
		for range sig {
			if generating.Load() {
				if c := cancel.Load(); c != nil {
					(*c)()
				}
				continue
			}
			close(quit)
			return
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
		case <-quit:
			fmt.Fprintln(errw)
			return nil
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case line == "/quit" || line == "/exit":
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
				fmt.Fprintf(errw, "(image attached to the next message: %d×%d tiles, %d tokens)\n", px.Rows, px.Cols, vision.LayoutLen(px.Rows, px.Cols, s.img.v.Model.Config.TokensPerTile()))
			}
			continue
		case strings.HasPrefix(line, "/"):
			fmt.Fprintf(errw, "unknown command %s (try /image PATH, /reset, /system TEXT, /quit)\n", line)
			continue
		}
		ctx, c := context.WithCancel(context.Background())
		cancel.Store(&c)
		generating.Store(true)
		_, err := s.turn(ctx, line, out)
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

// turn adds the user's message, generates the answer (streamed to out) and
// records it in the history.
func (s *chatSession) turn(ctx context.Context, user string, out io.Writer) (string, error) {
	msgs := append([]chat.Message(nil), s.msgs...)
	if s.system != "" && len(msgs) == 0 {
		msgs = append(msgs, chat.Message{Role: chat.RoleSystem, Content: s.system})
	}
	um := chat.Message{Role: chat.RoleUser, Content: user}
	attached := s.attached
	s.attached = nil // they go with this message, or are dropped with it on error
	if len(attached) > 0 {
		um.Parts = imageParts(len(attached), user)
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
		nf, err := s.img.v.Encode(attached)
		if err != nil {
			return "", err
		}
		pixels = append(append([]*vision.Pixels(nil), s.pixels...), attached...)
		feats = append(append([][]float32(nil), s.feats...), nf...)
		if fused, err = s.img.v.FuseEncoded(ids, pixels, feats, s.img.tk); err != nil {
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

// stdin is where herd chat reads from (replaced in tests).
var stdin io.Reader = os.Stdin

// attach reads an image for the next message, loading the vision tower on
// first use.
func (s *chatSession) attach(path string) error {
	if path == "" {
		return fmt.Errorf("usage: /image PATH")
	}
	if s.img == nil {
		in, err := loadImageInput(s.dir, s.m, s.tok, s.quant, io.Discard, true)
		if err != nil {
			return err
		}
		s.img = in
	}
	if n := len(s.pixels) + len(s.attached); n >= s.img.v.MaxImages {
		return fmt.Errorf("the conversation already has %d images, the limit (/reset to start over)", n)
	}
	px, err := s.img.read([]string{path})
	if err != nil {
		return err
	}
	s.attached = append(s.attached, px[0])
	return nil
}

// clear forgets the conversation and its images, and the cached positions
// when there were images (a new image shares ids with an old one of the same
// shape; turn also never reuses rows from a new image's first row on).
func (s *chatSession) clear() {
	if len(s.pixels) > 0 {
		s.cache.Reset()
	}
	s.msgs, s.attached, s.pixels, s.feats = nil, nil, nil, nil
}

func (s *chatSession) closeVision() {
	if s.img != nil {
		s.img.v.Close()
	}
}
