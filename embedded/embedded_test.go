package embedded

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/tokenizer"
)

// goldenPrompt and goldenTokens fix the embedded model's greedy output; see
// TestGreedyGolden.
const (
	goldenPrompt = "ROMEO:"
	goldenTokens = 48
)

// golden is the greedy continuation of goldenPrompt (after <|begin_of_text|>)
// by the committed checkpoint, goldenTokens tokens. It changes only when the
// checkpoint is retrained or the inference math changes.
const golden = " I will not be so.\n\nGLOUCESTER:\nI will not, my lord; and, I will not.\n\n" +
	"GLOUCESTER:\nI am not so, and I am a king.\n\nGLOUCESTER:\nI am a king, and I am a king.\n\nGLOUCESTER"

// TestLoad checks that the embedded model loads with every Llama 4 feature
// the project asks of it, that its config and tokenizer agree, and that the
// weights are used in place from the embedded bytes.
func TestLoad(t *testing.T) {
	m, tok, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config
	moe, nope := 0, 0
	for l := range c.Layers {
		if c.LayerIsMoE[l] {
			moe++
		}
		if !c.LayerUsesRoPE[l] {
			nope++
		}
	}
	for _, chk := range []struct {
		what string
		ok   bool
	}{
		{"MoE and dense layers interleaved", moe > 0 && moe < c.Layers && !c.LayerIsMoE[0]},
		{"RoPE (chunked) and NoPE (global) layers", nope > 0 && nope < c.Layers && c.ChunkSize < c.MaxPositions},
		{"routed experts with top-1 routing", c.Experts > 1 && c.ExpertsPerToken == 1},
		{"QK-norm and temperature tuning", c.UseQKNorm && c.TempTuning},
		{"shared expert on MoE layers", m.Weights.Layers[1].MoE != nil && m.Weights.Layers[1].MoE.Shared.Gate != nil},
		{"vocabulary = BPE ranks + 2048 specials", c.VocabSize == tok.VocabSize() && tok.VocabSize() > tokenizer.NumSpecial+256},
		{"BOS/EOS/pad are the tokenizer's", int32(c.BOS) == tok.BOS() && c.IsEOS(int(tok.EOS())) && int32(c.Pad) == tok.Pad()},
		{"bfloat16 weights", m.Weights.Embed.DType == tensor.BF16 && c.TorchDType == "bfloat16"},
		{"BOS is the first special", tok.IsSpecial(tok.BOS()) && !tok.IsSpecial(tok.BOS()-1) && int(tok.BOS()) == c.VocabSize-tokenizer.NumSpecial},
	} {
		if !chk.ok {
			t.Errorf("embedded model lacks: %s (config %+v)", chk.what, *c)
		}
	}
	if err := checkConsistent(c, tok); err != nil {
		t.Error(err)
	}
	e := m.Weights.Embed.Data
	lo, hi := uintptr(unsafe.Pointer(&modelBytes[0])), uintptr(unsafe.Pointer(&modelBytes[len(modelBytes)-1]))
	if p := uintptr(unsafe.Pointer(&e[0])); p < lo || p > hi {
		t.Error("the embedding matrix is a copy, not the embedded bytes")
	}
	for _, s := range []string{"ROMEO:", "To be, or not to be: that is the question.\n", "Thou art more lovely"} {
		if got := tok.Decode(tok.Encode(s, false), false); got != s {
			t.Errorf("tokenizer round trip of %q gives %q", s, got)
		}
	}
}

// TestCheckConsistent checks that Load refuses a config that disagrees with
// the tokenizer.
func TestCheckConsistent(t *testing.T) {
	_, tok, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	good, err := checkpoint.ParseConfig(configJSON)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(c *llama4.Config)
		want   string
	}{
		{"ok", func(*llama4.Config) {}, ""},
		{"vocab", func(c *llama4.Config) { c.VocabSize++ }, "vocab_size"},
		{"bos", func(c *llama4.Config) { c.BOS = 0 }, "bos_token_id"},
		{"eos", func(c *llama4.Config) { c.EOS = []int{int(tok.EOT())} }, "eos_token_id"},
		{"pad", func(c *llama4.Config) { c.Pad = -1 }, "pad_token_id"},
	} {
		c := *good
		tc.change(&c)
		err := checkConsistent(&c, tok)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.want)
		}
	}
}

// greedy returns the greedy continuation of prompt (after BOS), n tokens or
// up to EOS.
func greedy(t *testing.T, m *llama4.Model, tok *tokenizer.Tokenizer, prompt string, n int) string {
	t.Helper()
	ids := append([]int32{tok.BOS()}, tok.Encode(prompt, false)...)
	cache := m.NewCache(len(ids) + n)
	var out []int32
	for len(out) < n {
		logits, err := m.Forward(cache, ids, llama4.ForwardOptions{})
		if err != nil {
			t.Fatal(err)
		}
		best := int32(0)
		for i, v := range logits {
			if v > logits[best] {
				best = int32(i)
			}
		}
		if m.Config.IsEOS(int(best)) {
			break
		}
		out = append(out, best)
		ids = []int32{best}
	}
	return tok.Decode(out, false)
}

// TestGreedyGolden checks that greedy decoding is the same across two
// independent loads and equals the committed golden text. (The kernels'
// sums are in a fixed order; a machine whose float rounding differs, such
// as one without FMA, could in principle flip a near-tie.)
func TestGreedyGolden(t *testing.T) {
	var outs []string
	for range 2 {
		m, tok, err := Load()
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, greedy(t, m, tok, goldenPrompt, goldenTokens))
	}
	if outs[0] != outs[1] {
		t.Fatalf("greedy output differs between runs:\n%q\n%q", outs[0], outs[1])
	}
	if outs[0] != golden {
		t.Errorf("greedy continuation of %q:\n%q\nwant the golden\n%q", goldenPrompt, outs[0], golden)
	}
}
