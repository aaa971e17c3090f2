package guard

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/internal/testmodel/enginetest"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/internal/wanterr"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/vision"
)

// guardConfig is the byte model's shape made guard-like: every layer dense
// (moe_layers: []), Scout's RoPE/NoPE layer pattern kept.
func guardConfig(t *testing.T) *llama4.Config {
	cfg := tinymodel.ByteConfig(t)
	for i := range cfg.LayerIsMoE {
		cfg.LayerIsMoE[i] = false
	}
	cfg.Experts, cfg.ExpertsPerToken = 0, 0
	return cfg
}

// scripted is an engine.Submitter that writes a fixed answer: at each step it
// offers logits that favour the answer's next byte (the byte tokenizer's ids
// are the bytes), runs the request's constraint on them as the engine does,
// and emits the argmax.
type scripted struct {
	answer  string
	ctx     int
	prompts [][]int32
	images  []*engine.Images
}

func (s *scripted) Ctx() int { return s.ctx }

func (s *scripted) Submit(ctx context.Context, r *engine.Request) (*engine.Stream, error) {
	s.prompts = append(s.prompts, r.Prompt)
	s.images = append(s.images, r.Images)
	st := engine.NewStream()
	want := append([]byte(s.answer), 0)
	for i := 0; i < r.MaxTokens && i < len(want); i++ {
		logits := make([]float32, tinymodel.ByteVocab)
		next := int(want[i])
		if want[i] == 0 {
			next = 264 // <|eot|>
		}
		logits[next] = 5
		if r.Constraint != nil {
			r.Constraint.Mask(logits)
		}
		id := int32(0)
		for j, v := range logits {
			if v > logits[id] {
				id = int32(j)
			}
		}
		if r.Constraint != nil {
			r.Constraint.Accept(id)
		}
		st.Push(engine.Event{Token: id}, false)
		stop := false
		for _, x := range r.StopIDs {
			stop = stop || x == id
		}
		if stop {
			break
		}
	}
	st.Push(engine.Event{Done: true, Finish: "stop"}, true)
	return st, nil
}

func TestLlamaGuardVerdicts(t *testing.T) {
	tok := tinymodel.ByteTokenizer(t)
	cfg := guardConfig(t)
	conv := []chat.Message{{Role: "user", Content: "hello there"}}
	// The first step's logits give 'u' (the first token of "unsafe") logit
	// 5 or 0 among 2304 tokens.
	pHigh := math.Exp(5) / (math.Exp(5) + float64(tinymodel.ByteVocab-1))
	pLow := 1 / (math.Exp(5) + float64(tinymodel.ByteVocab-1))
	for _, tc := range []struct {
		name   string
		answer string
		o      Options
		unsafe bool
		cats   []string
		score  float64
		err    string
	}{
		{name: "safe", answer: "safe", score: pLow},
		{name: "unsafe with categories", answer: "unsafe\nS1,S10", unsafe: true, cats: []string{"S1", "S10"}, score: pHigh},
		{name: "unsafe alone", answer: "unsafe", unsafe: true, score: pHigh},
		{name: "excluded category", answer: "unsafe\nS6", o: Options{Excluded: []string{"S6"}}, score: pHigh},
		{name: "threshold above the score", answer: "unsafe\nS1", o: Options{Threshold: 0.5}, score: pHigh},
		{name: "threshold below the score", answer: "unsafe\nS1", o: Options{Threshold: 0.01}, unsafe: true, cats: []string{"S1"}, score: pHigh},
		{name: "cut code dropped", answer: "unsafe\nS1,S1", o: Options{MaxTokens: 11}, unsafe: true, cats: []string{"S1"}, score: pHigh},
		{name: "constrained off a format", answer: "sure!", score: pLow}, // the constraint steers to "safe"
		{name: "unconstrained garbage", answer: "sure!", o: Options{Unconstrained: true}, err: "unexpected output"},
		{name: "image refused", answer: "safe", err: "has an image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gen := &scripted{answer: tc.answer, ctx: 4096}
			g, err := NewLlamaGuard(gen, cfg, tok, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			c := conv
			if tc.name == "image refused" {
				c = []chat.Message{{Role: "user", Parts: []chat.Part{{Image: true}, {Text: "this?"}}}}
			}
			v, err := g.Classify(context.Background(), c, "")
			if wanterr.Case(t, tc.name, err, tc.err) {
				return
			}
			if v.Unsafe != tc.unsafe || strings.Join(v.Categories, ",") != strings.Join(tc.cats, ",") || math.Abs(v.Score-tc.score) > 1e-6 {
				t.Errorf("verdict %+v, want unsafe %v categories %v score %g", v, tc.unsafe, tc.cats, tc.score)
			}
			want, _ := Encode(tok, conv, PromptOptions{Excluded: tc.o.Excluded})
			if len(gen.prompts) != 1 || string(tokIDs(gen.prompts[0])) != string(tokIDs(want)) {
				t.Errorf("the guard ran %d prompts, not the one built by Encode", len(gen.prompts))
			}
		})
	}
}

func tokIDs(ids []int32) []rune {
	r := make([]rune, len(ids))
	for i, id := range ids {
		r[i] = rune(id)
	}
	return r
}

// TestLlamaGuardWindows checks that a message too long for the guard's
// context is judged in windows that together hold all of it, never cut.
func TestLlamaGuardWindows(t *testing.T) {
	tok := tinymodel.ByteTokenizer(t)
	gen := &scripted{answer: "safe", ctx: 900}
	g, err := NewLlamaGuard(gen, guardConfig(t), tok, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for i := 0; sb.Len() < 3000; i++ {
		sb.WriteString(strings.Repeat(string(rune('a'+i%26)), 7) + " ")
	}
	msg := sb.String()
	v, err := g.Classify(context.Background(), []chat.Message{{Role: "user", Content: "hi"}, {Role: "assistant", Content: msg}}, RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	if v.Unsafe || len(gen.prompts) < 4 {
		t.Fatalf("verdict %+v after %d windows, want safe after several", v, len(gen.prompts))
	}
	covered := ""
	for i, p := range gen.prompts {
		if len(p) > g.maxPrompt() {
			t.Errorf("window %d: prompt of %d tokens exceeds %d", i, len(p), g.maxPrompt())
		}
		text := tok.Decode(p, false)
		_, after, _ := strings.Cut(text, "Agent: ")
		part, _, _ := strings.Cut(after, "\n\n<END CONVERSATION>")
		if i > 0 && !strings.Contains(covered, part[:8]) {
			t.Errorf("window %d (%q…) does not overlap the previous one (…%q)", i, part[:8], covered[len(covered)-40:])
		}
		covered += part
	}
	for _, w := range strings.Fields(msg) {
		if !strings.Contains(covered, w) {
			t.Fatalf("the windows lost %q", w)
		}
	}
}

// TestLlamaGuardTinyModel runs a random-weight Llama-Guard-shaped model
// (dense layers, Scout's layer pattern) through the engine.
func TestLlamaGuardTinyModel(t *testing.T) {
	tok := tinymodel.ByteTokenizer(t)
	m, err := checkpoint.RandomModel(guardConfig(t), tensor.F32, 7)
	if err != nil {
		t.Fatal(err)
	}
	eng := enginetest.Run(t, m, engine.Options{Parallel: 2, Ctx: 1024, KVType: tensor.F32, PrefillChunk: 256, QueueSize: 4})
	g, err := NewLlamaGuard(eng, m.Config, tok, Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := g.Classify(context.Background(), []chat.Message{{Role: "user", Content: "How do I bake bread?"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if v.Score < 0 || v.Score > 1 || (v.Output != "safe" && !strings.HasPrefix(v.Output, "unsafe")) {
		t.Fatalf("verdict %+v", v)
	}
	if _, err := Parse(v.Output); err != nil {
		t.Fatal(err)
	}
}

func TestCheckModel(t *testing.T) {
	tok := tinymodel.ByteTokenizer(t)
	moe := tinymodel.ByteConfig(t)
	small := guardConfig(t)
	small.VocabSize = 300
	noChat, err := tokenizer.Load(testmodel.Testdata(t, "gguf", "tiny-tokenizer", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  *llama4.Config
		tok  *tokenizer.Tokenizer
		err  string
	}{
		{"guard", guardConfig(t), tok, ""},
		{"moe layers", moe, tok, "2 of 4 layers are mixture-of-experts"},
		{"vocabulary larger than the model", small, tok, "wrong vocabulary"},
		{"tokenizer without the chat tokens", guardConfig(t), noChat, "no special token <|header_start|>"},
	} {
		err := CheckModel(tc.cfg, tc.tok)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
		}
	}
}

// fakeVision "preprocesses" an image by remembering its data, and expands
// each <|image|> into three copies of itself.
type fakeVision struct {
	seen  [][]byte
	image int32
}

func (f *fakeVision) PrepareImage(data []byte) (*vision.Pixels, error) {
	f.seen = append(f.seen, data)
	if string(data) == "broken" {
		return nil, errors.New("vision: not an image")
	}
	return &vision.Pixels{}, nil
}

func (f *fakeVision) ExpandImages(ids []int32, imgs []*vision.Pixels, tk vision.Tokens) ([]int32, error) {
	var out []int32
	for _, id := range ids {
		out = append(out, id)
		if id == f.image {
			out = append(out, id, id)
		}
	}
	return out, nil
}

func TestLlamaGuardImages(t *testing.T) {
	tok := tinymodel.ByteTokenizer(t)
	imgID, _ := tok.TokenID("<|image|>")
	conv := []chat.Message{
		{Role: "user", Parts: []chat.Part{{Text: "compare"}, {Image: true}, {Image: true}}},
		{Role: "assistant", Content: "ok"},
		{Role: "user", Parts: []chat.Part{{Text: "and"}, {Image: true}, {Image: true}}},
		{Role: "assistant", Content: "a bird"},
	}
	imgs := [][]byte{[]byte("a"), []byte("b"), []byte("c"), []byte("d")}
	for _, tc := range []struct {
		name string
		role string
		imgs [][]byte
		want string // the image the guard sees; "" none
		err  string
	}{
		{name: "agent check sees the last user image", role: "", imgs: imgs, want: "c"},
		{name: "user check", role: RoleUser, imgs: imgs, want: "c"},
		{name: "count mismatch", imgs: imgs[:3], err: "4 image parts but 3 images"},
		{name: "bad image", imgs: [][]byte{[]byte("a"), []byte("b"), []byte("broken"), []byte("d")}, err: "image 2: vision: not an image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gen := &scripted{answer: "unsafe\nS12", ctx: 4096}
			fv := &fakeVision{image: imgID}
			g, err := NewLlamaGuard(gen, guardConfig(t), tok, Options{Vision: fv})
			if err != nil {
				t.Fatal(err)
			}
			v, err := g.ClassifyImages(context.Background(), conv, tc.role, tc.imgs)
			if wanterr.Case(t, tc.name, err, tc.err) {
				return
			}
			if !v.Unsafe || len(fv.seen) != 1 || string(fv.seen[0]) != tc.want {
				t.Fatalf("verdict %+v, images seen %q, want %q", v, fv.seen, tc.want)
			}
			im := gen.images[0]
			if im == nil || len(im.Pixels) != 1 {
				t.Fatalf("request images %+v", im)
			}
			want, _ := Encode(tok, conv, PromptOptions{Role: tc.role})
			if len(gen.prompts[0]) != len(want)+2 || len(im.Prompt) != len(want) {
				t.Errorf("prompt %d tokens (images' prompt %d), want %d expanded from %d", len(gen.prompts[0]), len(im.Prompt), len(want)+2, len(want))
			}
		})
	}
	// Without a vision tower, images are refused clearly; text still works.
	g, _ := NewLlamaGuard(&scripted{answer: "safe", ctx: 4096}, guardConfig(t), tok, Options{})
	if _, err := g.ClassifyImages(context.Background(), conv, "", imgs); err == nil || !strings.Contains(err.Error(), "without its vision tower") {
		t.Errorf("no vision: %v", err)
	}
	if _, err := g.ClassifyImages(context.Background(), []chat.Message{{Role: "user", Content: "hi"}}, "", nil); err != nil {
		t.Errorf("text through ClassifyImages: %v", err)
	}
}
