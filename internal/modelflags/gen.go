package modelflags

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/herd-llm/herd/internal/cli"
	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/tokenizer"
)

// DefaultKVType is the KV cache element type of every command (--kv-type).
const DefaultKVType = "f16"

// KVTypeHelp is the help of --kv-type.
const KVTypeHelp = "KV cache element type: f32, bf16, f16 or q8_0"

// ModelVar defines -m, the model to use: a local path, or a repository
// fetched before with `herd pull` (REPO or REPO:FILE), which is resolved to
// its path in the hub cache as the flag is parsed (Resolve), so every
// command sees a local path.
func ModelVar(fs *flag.FlagSet, p *string, usage string) {
	fs.Func("m", usage, func(s string) error {
		r, err := Resolve(s)
		if err != nil {
			return err
		}
		*p = r
		return nil
	})
}

// ThreadsVar defines -t and --threads on the same variable.
func ThreadsVar(fs *flag.FlagSet, p *int, def int, usage string) {
	fs.IntVar(p, "t", def, usage)
	fs.IntVar(p, "threads", def, usage+" (same as -t)")
}

// ParseKVType reads a --kv-type value; a bad one is a usage error.
func ParseKVType(s string) (tensor.DType, error) {
	dt, err := kvcache.ParseKVType(s)
	if err != nil {
		return dt, cli.Usagef("--kv-type: %v", err)
	}
	return dt, nil
}

// Gen are the flags of the commands that load a model to generate (run,
// chat, serve, eval, guard): --quant, --kv-type, -t/--threads, --ctx and
// the attention temperature group.
type Gen struct {
	Quant, KVType string
	Threads, Ctx  int
	Temp          AttnTemp
}

// Define defines the group on fs, --ctx with the given default and help.
func (g *Gen) Define(fs *flag.FlagSet, ctxDefault int, ctxHelp string) {
	fs.StringVar(&g.Quant, "quant", "", QuantHelp)
	fs.StringVar(&g.KVType, "kv-type", DefaultKVType, KVTypeHelp)
	ThreadsVar(fs, &g.Threads, 0, "compute threads; 0 = one per CPU")
	fs.IntVar(&g.Ctx, "ctx", ctxDefault, ctxHelp)
	g.Temp.Define(fs)
}

// Loaded is a model loaded for generation, with its tokenizer (nil when
// the model has none and the command allows that) and KV cache type.
type Loaded struct {
	M   *llama4.Model
	Tok *tokenizer.Tokenizer
	KV  tensor.DType
}

// Load is the one way run, chat, serve and eval load their model: it
// checks --kv-type and the temperature flags, sets the threads, loads -m
// (the embedded model when empty), quantizes it per --quant, loads its
// tokenizer and applies --attn-temp. needTok makes a model without
// tokenizer files an error. The caller closes the model (Loaded.M).
func (g *Gen) Load(model string, needTok bool, stderr io.Writer, quiet bool) (*Loaded, error) {
	kv, err := ParseKVType(g.KVType)
	if err != nil {
		return nil, err
	}
	if err := g.Temp.Check(); err != nil {
		return nil, err
	}
	if g.Threads < 0 {
		return nil, cli.Usagef("-t %d must be ≥ 0", g.Threads)
	}
	kernels.SetThreads(g.Threads)
	m, err := LoadModel(model)
	if err != nil {
		return nil, err
	}
	gm := &Loaded{M: m, KV: kv}
	if err := Quantize(m, g.Quant, stderr, quiet); err != nil {
		m.Close()
		return nil, err
	}
	gm.Tok, err = LoadTokenizer(model, m)
	if err != nil && (needTok || !errors.Is(err, ErrNoTokenizer)) {
		m.Close()
		return nil, err
	}
	if gm.M, err = g.Temp.Apply(m, stderr, quiet); err != nil {
		m.Close()
		return nil, err
	}
	return gm, nil
}

// CtxLimit is the context length to use: want, where a default (not given
// on the command line) is capped at the model's max_position_embeddings
// and a given value above it is an error naming both.
func CtxLimit(want int, given bool, maxPos int) (int, error) {
	if !given {
		return min(want, maxPos), nil
	}
	if want > maxPos {
		return 0, fmt.Errorf("--ctx %d exceeds the model's max_position_embeddings %d", want, maxPos)
	}
	return want, nil
}
