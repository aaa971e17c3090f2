package tasks

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/chat"
)

// Split is a part of a task's problem space.
type Split int

// The splits: held-out problems are for evaluation only.
const (
	Train Split = iota
	HeldOut
)

func (s Split) String() string {
	switch s {
	case Train:
		return "train"
	case HeldOut:
		return "heldout"
	}
	return "split(" + strconv.Itoa(int(s)) + ")"
}

// Prompt is one problem of a task, ready to render.
type Prompt struct {
	// Task is the spec of the task that made the prompt (Task.Spec).
	Task string `json:"task"`
	// Key is the canonical text of the problem: what is verified and what
	// decides the split. Score reads the problem from Key alone.
	Key string `json:"key"`
	// Messages are the conversation up to the model's first turn.
	Messages []chat.Message `json:"messages"`
	// Tools are the tool declarations rendered with the conversation (nil
	// for tasks without tools).
	Tools []json.RawMessage `json:"tools,omitempty"`
	// Solution is a reference answer (one of possibly many).
	Solution string `json:"solution"`
}

// ChatOptions are the rendering options of the prompt; with gen the
// rendering ends with the assistant header, ready for generation.
func (p *Prompt) ChatOptions(gen bool) chat.Options {
	return chat.Options{Tools: p.Tools, AddGenerationPrompt: gen}
}

// Task is a verifiable task.
type Task interface {
	// Spec is the task's canonical spec, as New accepts it.
	Spec() string
	// Sample returns problem i of split; the same (seed, split, i) always
	// gives the same prompt, and no problem is in both splits.
	Sample(split Split, i int) (Prompt, error)
	// Demonstration is a reference transcript that solves p: the turns after
	// p.Messages, assistant (and tool) messages, with reward 1.
	Demonstration(p *Prompt) ([]chat.Message, error)
	// Score returns the exact reward of transcript, the turns the model and
	// the tools added after p.Messages. It is an error when p is not this
	// task's or cannot be verified, or when transcript has no assistant turn.
	Score(p *Prompt, transcript []chat.Message) (float64, error)
	// Tools are the tools the harness executes for the task (nil if none).
	Tools() []Tool
}

// Names lists the built-in tasks.
func Names() []string { return []string{"arithmetic", "calculator", "countdown"} }

// New returns the task of spec, "NAME" or "NAME:key=value,…", whose splits
// are drawn from seed. Parameters:
//
//	arithmetic: digits=D (1–12, default 2) ops=K (1–6, default 1)
//	            working=F (0–1, default 0; ops=1 and digits ≤ 2 only): the
//	            fraction of problems whose reference answer shows its working
//	calculator: digits=D (1–12, default 4) ops=K (1–6, default 1)
//	countdown:  numbers=N (2–6, default 4) max=M (largest number, 2–999, default 99)
//
// and, for all, heldout=F: the fraction of problems held out (0.01–0.5,
// default 0.1).
func New(spec string, seed uint64) (Task, error) {
	name, params, err := parseSpec(spec)
	if err != nil {
		return nil, err
	}
	b := base{seed: seed, heldout: 0.1}
	if b.heldout, err = params.float("heldout", 0.1, 0.01, 0.5); err != nil {
		return nil, err
	}
	var t Task
	switch name {
	case "arithmetic", "calculator":
		a := &arithmetic{base: b, tool: name == "calculator"}
		def := 2
		if a.tool {
			def = 4
		}
		if a.digits, err = params.int("digits", def, 1, 12); err != nil {
			return nil, err
		}
		if a.ops, err = params.int("ops", 1, 1, 6); err != nil {
			return nil, err
		}
		a.base.spec = fmt.Sprintf("%s:digits=%d,ops=%d", name, a.digits, a.ops) + b.heldoutParam()
		if !a.tool {
			if a.working, err = params.float("working", 0, 0, 1); err != nil {
				return nil, err
			}
			if a.working > 0 && (a.ops != 1 || a.digits > 2) {
				return nil, fmt.Errorf("tasks: %s: working=%g needs ops=1 and digits ≤ 2", spec, a.working)
			}
			if a.working > 0 {
				a.base.spec += ",working=" + strconv.FormatFloat(a.working, 'g', -1, 64)
			}
		}
		t = a
	case "countdown":
		c := &countdown{base: b}
		if c.numbers, err = params.int("numbers", 4, 2, 6); err != nil {
			return nil, err
		}
		if c.max, err = params.int("max", 99, 2, 999); err != nil {
			return nil, err
		}
		c.base.spec = fmt.Sprintf("countdown:numbers=%d,max=%d", c.numbers, c.max) + b.heldoutParam()
		t = c
	default:
		return nil, fmt.Errorf("tasks: unknown task %q in spec %q (have %s)", name, spec, strings.Join(Names(), ", "))
	}
	if err := params.unused(spec); err != nil {
		return nil, err
	}
	return t, nil
}

// specParams are the key=value parameters of a spec; used ones are deleted.
type specParams map[string]string

func parseSpec(spec string) (string, specParams, error) {
	name, rest, _ := strings.Cut(strings.TrimSpace(spec), ":")
	params := specParams{}
	if name == "" {
		return "", nil, fmt.Errorf("tasks: empty task spec %q", spec)
	}
	if rest == "" {
		return name, params, nil
	}
	for _, kv := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return "", nil, fmt.Errorf("tasks: spec %q: parameter %q is not key=value", spec, kv)
		}
		if _, dup := params[k]; dup {
			return "", nil, fmt.Errorf("tasks: spec %q: parameter %q given twice", spec, k)
		}
		params[k] = v
	}
	return name, params, nil
}

func (p specParams) int(key string, def, lo, hi int) (int, error) {
	s, ok := p[key]
	if !ok {
		return def, nil
	}
	delete(p, key)
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("tasks: %s=%q: want an integer in [%d, %d]", key, s, lo, hi)
	}
	return v, nil
}

func (p specParams) float(key string, def, lo, hi float64) (float64, error) {
	s, ok := p[key]
	if !ok {
		return def, nil
	}
	delete(p, key)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= lo && v <= hi) {
		return 0, fmt.Errorf("tasks: %s=%q: want a number in [%g, %g]", key, s, lo, hi)
	}
	return v, nil
}

func (p specParams) unused(spec string) error {
	if len(p) == 0 {
		return nil
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return fmt.Errorf("tasks: spec %q: unknown parameter %s", spec, strings.Join(keys, ", "))
}

// base is what every task shares: its spec, seed and held-out fraction.
type base struct {
	spec    string
	seed    uint64
	heldout float64
}

func (b *base) Spec() string { return b.spec }

// heldoutParam is the spec's heldout parameter, empty when it is the default.
func (b *base) heldoutParam() string {
	if b.heldout == 0.1 {
		return ""
	}
	return ",heldout=" + strconv.FormatFloat(b.heldout, 'g', -1, 64)
}

// maxDraws bounds the rejection sampling of one problem.
const maxDraws = 10000

// sample draws problem i of split: draw(r) proposes a problem key from a
// generator seeded by (seed, split, i); proposals of the other split, and
// empty keys (draw's own rejections), are rejected.
func (b *base) sample(split Split, i int, draw func(r *rand.Rand) (key string, err error)) (string, error) {
	if split != Train && split != HeldOut {
		return "", fmt.Errorf("tasks: %s: unknown split %d", b.spec, split)
	}
	if i < 0 {
		return "", fmt.Errorf("tasks: %s: negative problem index %d", b.spec, i)
	}
	r := rand.New(rand.NewPCG(b.seed, uint64(split)<<62^uint64(i)))
	for range maxDraws {
		key, err := draw(r)
		if err != nil {
			return "", err
		}
		if key != "" && b.splitOf(key) == split {
			return key, nil
		}
	}
	return "", fmt.Errorf("tasks: %s: no %s problem found in %d draws: the problem space is too small for this split", b.spec, split, maxDraws)
}

// splitOf assigns a problem to a split by a hash of the task name and key,
// independent of the seed, so that one problem is never in both splits.
func (b *base) splitOf(key string) Split {
	name, _, _ := strings.Cut(b.spec, ":")
	if float64(fnv64(name+"\x00"+key)%1_000_000) < b.heldout*1_000_000 {
		return HeldOut
	}
	return Train
}

// SplitOf returns the split a problem key of task t belongs to.
func SplitOf(t Task, key string) Split {
	if b, ok := t.(interface{ splitBase() *base }); ok {
		return b.splitBase().splitOf(key)
	}
	panic(fmt.Sprintf("tasks: SplitOf: %T is not a built-in task", t))
}

func (b *base) splitBase() *base { return b }

// fnv64 is the 64-bit FNV-1a hash.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// checkPrompt checks that p belongs to the task with spec.
func checkPrompt(spec string, p *Prompt, transcript []chat.Message) error {
	if p == nil {
		return fmt.Errorf("tasks: %s: nil prompt", spec)
	}
	if p.Task != spec {
		return fmt.Errorf("tasks: prompt of task %q scored by task %q", p.Task, spec)
	}
	for _, m := range transcript {
		if m.Role == chat.RoleAssistant {
			return nil
		}
	}
	return fmt.Errorf("tasks: %s: transcript of %d messages has no assistant turn", spec, len(transcript))
}

// finalAnswer returns the content of the last assistant message of
// transcript, and false when that message is a tool call (no final answer).
func finalAnswer(transcript []chat.Message) (string, bool) {
	for i := len(transcript) - 1; i >= 0; i-- {
		if m := transcript[i]; m.Role == chat.RoleAssistant {
			return m.Content, len(m.ToolCalls) == 0
		}
	}
	return "", false
}
