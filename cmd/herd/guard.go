package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/guard"
	"github.com/herd-llm/herd/guard/promptguard"
	"github.com/herd-llm/herd/internal/imageprompt"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/tokenizer"
)

// exitUnsafe is herd guard's exit status for an unsafe verdict (0 is safe,
// 1 an error, 2 a usage error).
const exitUnsafe = 3

// exitStatus is an error that only sets the exit status: mainErr prints
// nothing for it.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// policyFlags choose the guard's policy; herd guard and herd serve --guard
// share them.
type policyFlags struct {
	categories, exclude string
	threshold           float64
	unconstrained       bool
}

func (p *policyFlags) define(fs *flag.FlagSet, prefix string) {
	fs.StringVar(&p.categories, prefix+"categories", "", "check only these categories (comma-separated codes, e.g. S1,S9,S10; default: all of S1–S14)")
	fs.StringVar(&p.exclude, prefix+"exclude", "", "categories to leave out of the policy (comma-separated codes)")
	fs.Float64Var(&p.threshold, prefix+"threshold", 0, "flag a message when P(unsafe) at the first step is at least this (0: the guard's written answer decides)")
	fs.BoolVar(&p.unconstrained, prefix+"unconstrained", false, "let the guard write freely (plain greedy decoding) instead of constraining it to 'safe' or 'unsafe' and codes")
}

// options turns the flags into guard.Options: --categories becomes the
// exclusion of every other category.
func (p *policyFlags) options(flagPrefix string) (guard.Options, error) {
	o := guard.Options{Threshold: p.threshold, Unconstrained: p.unconstrained}
	if p.threshold < 0 || p.threshold > 1 {
		return o, usagef("--%sthreshold %g must be in [0, 1]", flagPrefix, p.threshold)
	}
	ex, err := guard.ParseCodes(p.exclude, nil)
	if err != nil {
		return o, usagef("--%sexclude: %v", flagPrefix, err)
	}
	if p.categories != "" {
		keep, err := guard.ParseCodes(p.categories, nil)
		if err != nil {
			return o, usagef("--%scategories: %v", flagPrefix, err)
		}
		if len(keep) == 0 {
			return o, usagef("--%scategories names no category", flagPrefix)
		}
		in := map[string]bool{}
		for _, c := range keep {
			in[c] = true
		}
		for _, c := range guard.Categories {
			if !in[c.Code] {
				ex = append(ex, c.Code)
			}
		}
	}
	o.Excluded = ex
	return o, nil
}

// guardModel is a Llama Guard model: opened and planned (openGuard), then
// running on its own engine (start).
type guardModel struct {
	*guard.LlamaGuard
	m        *llama4.Model
	tok      *tokenizer.Tokenizer
	opts     guard.Options
	in       kvcache.PlanInput
	plan     kvcache.Plan
	parallel int
	eng      *engine.Engine
	vis      *llama4.Vision // the vision tower, when loaded (withVision)
	stop     func()         // stops the engine (once started) and closes the model
}

// withVision loads the guard's vision tower (a Hugging Face directory with
// a vision_config; quantized per quant), so that images can be checked.
// need makes a text-only guard an error; otherwise it stays text-only.
func (gm *guardModel) withVision(path, quant string, need bool, stderr io.Writer) error {
	vis, err := serveVision(path, gm.m, gm.tok, quant, stderr)
	if err != nil {
		return fmt.Errorf("guard model %s: %w", path, err)
	}
	if vis == nil {
		if need {
			return fmt.Errorf("guard model %s has no vision tower (a Hugging Face directory with a vision_config is needed to check images)", path)
		}
		return nil
	}
	tk, err := gm.m.Config.ImageTokens(gm.tok.TokenID)
	if err != nil {
		vis.Close()
		return err
	}
	gm.vis = vis
	gm.opts.Vision, gm.opts.ImageTokens = vis, tk
	return nil
}

// openGuard loads the guard model at path (quantized per quant) and refuses
// one that is not a Llama Guard (guard.CheckModel), then plans its memory
// for parallel slots of ctx tokens (capped by the model's
// max_position_embeddings unless ctxGiven); nothing is allocated yet.
func openGuard(path, quant string, kv tensor.DType, ctx int, ctxGiven bool, parallel int, o guard.Options, stderr io.Writer, quiet bool) (*guardModel, error) {
	m, err := loadModel(path)
	if err != nil {
		return nil, fmt.Errorf("guard model %s: %w", path, err)
	}
	fail := func(err error) (*guardModel, error) {
		m.Close()
		return nil, fmt.Errorf("guard model %s: %w", path, err)
	}
	tok, err := loadTokenizer(path, m)
	if err != nil {
		return fail(err)
	}
	if err := guard.CheckModel(m.Config, tok); err != nil {
		return fail(err)
	}
	if err := applyQuant(m, quant, stderr, quiet); err != nil {
		m.Close()
		return nil, err
	}
	if ctx, err = ctxLimit(ctx, ctxGiven, m.Config.MaxPositions); err != nil {
		return fail(err)
	}
	in := m.PlanInput(ctx, 512, kv)
	in.Sequences = parallel
	gm := &guardModel{m: m, tok: tok, opts: o, in: in, plan: kvcache.MakePlan(in), parallel: parallel}
	gm.stop = func() {
		if gm.vis != nil {
			gm.vis.Close()
		}
		m.Close()
	}
	return gm, nil
}

// start allocates the guard's caches and runs its engine.
func (gm *guardModel) start() error {
	var em engine.Model = gm.m
	if gm.vis != nil {
		em = engine.VisionModel{Model: gm.m, Vision: gm.vis, Tokens: gm.opts.ImageTokens}
	}
	eng, err := engine.New(em, engine.Options{Parallel: gm.parallel, Ctx: gm.in.Ctx, KVType: gm.in.DType, PrefillChunk: 512, QueueSize: 4 * gm.parallel})
	if err != nil {
		return err
	}
	g, err := guard.NewLlamaGuard(eng, gm.m.Config, gm.tok, gm.opts)
	if err != nil {
		return err
	}
	ectx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Run(ectx); close(done) }()
	gm.LlamaGuard, gm.eng = g, eng
	gm.stop = func() {
		cancel()
		<-done
		if gm.vis != nil {
			gm.vis.Close()
		}
		gm.m.Close()
	}
	return nil
}

// loadGuard opens the guard, checks that its plan fits the available
// memory and starts it.
func loadGuard(path, quant string, kv tensor.DType, ctx int, ctxGiven bool, parallel int, o guard.Options, images bool, stderr io.Writer, quiet bool) (*guardModel, error) {
	gm, err := openGuard(path, quant, kv, ctx, ctxGiven, parallel, o, stderr, quiet)
	if err != nil {
		return nil, err
	}
	if images {
		if err := gm.withVision(path, quant, true, stderr); err != nil {
			gm.stop()
			return nil, err
		}
	}
	if err := gm.fitMemory("lower --ctx"); err != nil {
		return nil, err
	}
	if err := gm.start(); err != nil {
		gm.stop()
		return nil, err
	}
	return gm, nil
}

// fitMemory checks the guard's plan against the memory available, when
// that is known, recording the largest context that fits; it stops gm and
// fails when the plan does not fit, with hint naming the flags to lower.
func (gm *guardModel) fitMemory(hint string) error {
	if avail, err := kvcache.Available(); err == nil {
		if err := kvcache.Fit(gm.in, &gm.plan, avail); err != nil {
			gm.stop()
			return fmt.Errorf("guard model: %w (%s)", err, hint)
		}
	}
	return nil
}

func cmdGuard(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("guard")
	var g genFlags
	g.define(cl.FlagSet, 8192, "context length in tokens; longer messages are checked in overlapping windows")
	var p policyFlags
	p.define(cl.FlagSet, "")
	role := cl.String("role", "", "check the last message of this role: user or agent (default: the conversation's last message; user for TEXT)")
	file := cl.String("file", "", "check the text of this file (- for stdin)")
	chatArg := cl.String("chat", "", "check a conversation: a JSON array of {\"role\": \"user\"|\"assistant\", \"content\": …} messages, inline or @FILE")
	jsonOut := cl.Bool("json", false, "print the verdict as JSON")
	var images imageFlags
	cl.Var(&images, "image", "an image `FILE` shown with TEXT (repeatable; as in the reference, the guard sees the message's first image); needs a guard directory with its vision tower")
	pos, err := cl.parse(args, stdout)
	if err != nil {
		return err
	}
	conv, err := guardInput(pos, *file, *chatArg, *role)
	if err != nil {
		return err
	}
	if *role != "" && *role != guard.RoleUser && *role != guard.RoleAgent {
		return usagef("--role %q: want user or agent", *role)
	}
	o, err := p.options("")
	if err != nil {
		return err
	}
	if promptguard.IsPromptGuard(cl.model) {
		return promptGuardCheck(cl.model, conv, *role, p.threshold, *jsonOut, stdout)
	}
	kv, err := parseKVType(g.kvType)
	if err != nil {
		return err
	}
	if g.ctx <= 0 {
		return usagef("--ctx must be positive")
	}
	var data [][]byte
	if len(images) > 0 {
		if len(pos) == 0 {
			return usagef("--image goes with TEXT")
		}
		for _, f := range images {
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("--image: %w", err)
			}
			data = append(data, b)
		}
		conv[0].Parts, conv[0].Content = imageprompt.Parts(len(images), conv[0].Content), ""
	}
	gm, err := loadGuard(cl.model, g.quant, kv, g.ctx, cl.given("ctx"), 1, o, len(images) > 0, stderr, true)
	if err != nil {
		return err
	}
	defer gm.stop()
	v, err := gm.ClassifyImages(context.Background(), conv, *role, data)
	if err != nil {
		return err
	}
	if *jsonOut {
		names := make([]string, len(v.Categories))
		for i, c := range v.Categories {
			names[i], _ = guard.CategoryName(c)
		}
		b, _ := json.Marshal(map[string]any{"unsafe": v.Unsafe, "categories": nonNil(v.Categories), "category_names": names, "score": v.Score, "output": v.Output})
		fmt.Fprintln(stdout, string(b))
	} else {
		fmt.Fprintln(stdout, verdictLine(v))
	}
	if v.Unsafe {
		return exitStatus(exitUnsafe)
	}
	return nil
}

// promptGuardCheck is herd guard with a Prompt Guard model: the last
// message (of role) is scored for jailbreaks and prompt injections, flagged
// at P(MALICIOUS) ≥ threshold (0: 0.5).
func promptGuardCheck(dir string, conv []chat.Message, role string, threshold float64, jsonOut bool, stdout io.Writer) error {
	c, err := promptguard.LoadClassifier(dir)
	if err != nil {
		return err
	}
	v, err := (&promptguard.Guard{C: c, Threshold: threshold}).Classify(context.Background(), conv, role)
	if err != nil {
		return err
	}
	label := "benign"
	if v.Unsafe {
		label = "malicious"
	}
	if jsonOut {
		b, _ := json.Marshal(map[string]any{"unsafe": v.Unsafe, "label": label, "score": v.Score, "output": v.Output})
		fmt.Fprintln(stdout, string(b))
	} else {
		fmt.Fprintf(stdout, "%s (P(malicious) %.4f)\n", label, v.Score)
	}
	if v.Unsafe {
		return exitStatus(exitUnsafe)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// verdictLine is a verdict for people: "safe (score 0.012)" or
// "unsafe S1,S10 (Violent Crimes, Hate; score 0.973)".
func verdictLine(v guard.Verdict) string {
	if !v.Unsafe {
		return fmt.Sprintf("safe (score %.4f)", v.Score)
	}
	var names []string
	for _, c := range v.Categories {
		if n, ok := guard.CategoryName(c); ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf("unsafe (score %.4f)", v.Score)
	}
	return fmt.Sprintf("unsafe %s (%s; score %.4f)", strings.Join(v.Categories, ","), strings.Join(names, ", "), v.Score)
}

// guardInput reads the conversation to check from exactly one of TEXT,
// --file and --chat. A TEXT or file is one message of role (user unless
// --role agent).
func guardInput(pos []string, file, chatArg, role string) ([]chat.Message, error) {
	n := 0
	for _, given := range []bool{len(pos) > 0, file != "", chatArg != ""} {
		if given {
			n++
		}
	}
	if n != 1 {
		return nil, usagef("give exactly one of TEXT, --file and --chat")
	}
	msgRole := chat.RoleUser
	if role == guard.RoleAgent {
		msgRole = chat.RoleAssistant
	}
	switch {
	case len(pos) > 0:
		return []chat.Message{{Role: msgRole, Content: strings.Join(pos, " ")}}, nil
	case file != "":
		var b []byte
		var err error
		if file == "-" {
			b, err = io.ReadAll(os.Stdin)
		} else {
			b, err = os.ReadFile(file)
		}
		if err != nil {
			return nil, fmt.Errorf("--file: %w", err)
		}
		return []chat.Message{{Role: msgRole, Content: string(b)}}, nil
	}
	data := []byte(chatArg)
	if name, ok := strings.CutPrefix(chatArg, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("--chat: %w", err)
		}
		data = b
	}
	return parseGuardChat(data)
}

// parseGuardChat reads an OpenAI-style message list: content a string or
// a list of {"type": "text", "text": …} parts; role user, assistant or
// agent.
func parseGuardChat(data []byte) ([]chat.Message, error) {
	var msgs []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(data, &msgs); err != nil {
		return nil, usagef("--chat: not a JSON array of messages: %v", err)
	}
	out := make([]chat.Message, len(msgs))
	for i, m := range msgs {
		switch m.Role {
		case "user":
			out[i].Role = chat.RoleUser
		case "assistant", "agent":
			out[i].Role = chat.RoleAssistant
		default:
			return nil, usagef("--chat: message %d has role %q (want user or assistant)", i, m.Role)
		}
		c := bytes.TrimSpace(m.Content)
		if len(c) > 0 && c[0] == '[' {
			var parts []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			}
			if err := json.Unmarshal(c, &parts); err != nil {
				return nil, usagef("--chat: message %d: %v", i, err)
			}
			for _, p := range parts {
				if p.Type != "text" {
					return nil, usagef("--chat: message %d: content part type %q (herd guard checks text)", i, p.Type)
				}
				out[i].Content += p.Text
			}
			continue
		}
		if err := json.Unmarshal(c, &out[i].Content); err != nil {
			return nil, usagef("--chat: message %d: content must be a string or text parts: %v", i, err)
		}
	}
	return out, nil
}
