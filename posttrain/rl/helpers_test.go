package rl

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/internal/testmodel/tinytrain"
	"github.com/herd-llm/herd/posttrain/tasks"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train"
)

// testTokenizer is herd's embedded model's Llama 4-format tokenizer.
func testTokenizer(t testing.TB) *tokenizer.Tokenizer { return tinymodel.ShakespeareTokenizer(t) }

// smallModel is tinytrain.SmallParams with 256 positions.
func smallModel(t testing.TB, seed uint64) *train.Params[float32] {
	return tinytrain.SmallParams(t, 256, seed)
}

// fakeGen answers arithmetic questions: completion j of a request is the
// right number when (Seed+j) mod 3 ≠ 0 or the problem's value is even, a
// wrong one otherwise; the behaviour log-probability of every token is
// log ½. It records the versions it is given and may sleep per request.
type fakeGen struct {
	tok   *tokenizer.Tokenizer
	delay time.Duration
	slow  time.Duration // with slowMod: the delay of problems whose value is 0 mod slowMod
	wrong bool          // every answer wrong
	long  bool          // some right answers longer: "= <answer>N</answer>"

	slowMod int64

	mu       sync.Mutex
	version  int64
	versions []int64
}

var questionRE = regexp.MustCompile(`What is (.*)\? Reply`)

// fakeAnswer is fakeGen's answer to a problem of value val under sampling
// seed s: the value, plus one when every answer is wrong or when s % 3 == 0
// and the value is odd; with long, a correct answer under s % 3 == 1 is
// written "= <answer>N</answer>".
func fakeAnswer(val int64, s uint64, wrong, long bool) (text string, correct bool) {
	ans := val
	if wrong || (s%3 == 0 && val%2 != 0) {
		ans++
	}
	text = fmt.Sprint(ans)
	if long && ans == val && s%3 == 1 {
		text = "= <answer>" + text + "</answer>"
	}
	return text, ans == val
}

func (f *fakeGen) Generate(ctx context.Context, r GenRequest) ([]Completion, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	v := f.version
	f.mu.Unlock()
	m := questionRE.FindStringSubmatch(f.tok.Decode(r.Prompt, false))
	if m == nil {
		return nil, fmt.Errorf("fake: not an arithmetic prompt")
	}
	val, err := tasks.Eval(m[1])
	if err != nil {
		return nil, err
	}
	delay := f.delay
	if f.slowMod > 0 && val.Num().Int64()%f.slowMod == 0 {
		delay = f.slow
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	out := make([]Completion, r.N)
	for j := range r.N {
		text, _ := fakeAnswer(val.Num().Int64(), r.Seed+uint64(j), f.wrong, f.long)
		toks := append(f.tok.Encode(text, false), f.tok.EOT())
		lp := make([]float32, len(toks))
		for i := range lp {
			lp[i] = float32(-math.Ln2)
		}
		out[j] = Completion{Tokens: toks, Logprobs: lp, Finish: "stop", Version: v}
	}
	return out, nil
}

func (f *fakeGen) UpdateWeights(_ context.Context, _ *train.Params[float32], version int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if version <= f.version {
		return fmt.Errorf("fake: version %d after %d", version, f.version)
	}
	f.version = version
	f.versions = append(f.versions, version)
	return nil
}

// testRun is a run of the arithmetic task on a small model with gen.
func testRun(t testing.TB, gen Generator, dir string, mut func(c *Config)) *Run {
	t.Helper()
	task, err := tasks.New("arithmetic:digits=1", 7)
	if err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	c.Tasks = []tasks.Task{task}
	c.Steps, c.GroupSize, c.GroupsPerStep, c.StepsPerRound, c.PoolSize, c.PassK = 4, 4, 2, 2, 8, 0
	c.EvalN, c.EvalK, c.Staleness, c.Concurrency = 0, 0, 0, 4
	c.Learner.LR, c.Learner.MicroBatch = 1e-3, 4
	if mut != nil {
		mut(&c)
	}
	p := smallModel(t, 3)
	l, err := NewLearner(p, nil, c.Learner)
	if err != nil {
		t.Fatal(err)
	}
	return &Run{Cfg: c, Learner: l, Dir: dir, Roller: &Roller{Tok: testTokenizer(t), Gen: gen, MaxTokens: 8, MaxTurns: 1, Ctx: 128}}
}
