package train

import (
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/model/llama4"
)

// TestPlanIsTheAllocation checks that NewWorkspace allocates exactly the
// planned memory, that the saved activations follow the closed formula for
// the tiny model, and that a step never grows a buffer beyond the plan.
func TestPlanIsTheAllocation(t *testing.T) {
	p := loadTinyParams(t)
	c := p.Config
	B, T := 2, 40
	plan, err := PlanFor(c, B, T)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := NewWorkspace[float32](c, B, T)
	if err != nil {
		t.Fatal(err)
	}
	N, D := int64(B*T), int64(c.Hidden)
	qd, kd := int64(c.Heads*c.HeadDim), int64(c.KVHeads*c.HeadDim)
	H, Hkv := int64(c.Heads), int64(c.KVHeads)
	want := (int64(c.Layers)+1)*N*D + N + N*D // residual streams, final norm
	for l := 0; l < c.Layers; l++ {
		want += 2*(N+N*D) + N*D + N*qd + 2*N*kd + N*H + N*qd // norms, hMid, q, k, v, lse, att
		if c.LayerUsesRoPE[l] && c.UseQKNorm {
			want += N*H + N*Hkv
		}
		if c.LayerIsMoE[l] {
			F, E := int64(c.Intermediate), int64(c.Experts)
			want += 2*N*F + N*E + N + N*2*F // shared g/u, router logits, scores, expert gate|up
		} else {
			want += 2 * N * int64(c.IntermediateMLP)
		}
	}
	if plan.Saved != want {
		t.Errorf("planned %d saved elements, formula %d", plan.Saved, want)
	}
	if plan.Logits != N*int64(c.VocabSize) {
		t.Errorf("planned %d logits", plan.Logits)
	}
	if ws.Plan() != plan {
		t.Errorf("workspace plan %+v, PlanFor %+v", ws.Plan(), plan)
	}
	t.Log(plan)
	if !strings.Contains(plan.String(), "KiB") {
		t.Errorf("plan string %q", plan)
	}
	b := loadRefBatch(t)
	if _, _, err := LossAndGrad(ws, p, p.ZerosLike(), b); err != nil {
		t.Fatal(err)
	}
}

// TestDeterministicAcrossThreads checks that the loss and every gradient are
// bit-identical with 1 and several threads (every parallel loop owns its
// outputs and sums in a fixed order).
func TestDeterministicAcrossThreads(t *testing.T) {
	p := loadTinyParams(t)
	b := loadRefBatch(t)
	run := func(threads int) (float64, *Params[float32]) {
		old := runtime.GOMAXPROCS(threads)
		defer runtime.GOMAXPROCS(old)
		kernels.SetThreads(threads)
		defer kernels.SetThreads(0)
		ws := newWorkspace(t, p, b)
		g, loss, _ := backprop(t, ws, p, b)
		return loss, g
	}
	l1, g1 := run(1)
	l4, g4 := run(4)
	if math.Float64bits(l1) != math.Float64bits(l4) {
		t.Fatalf("loss %v with 1 thread, %v with 4", l1, l4)
	}
	for i, a := range g1.Tensors {
		if !reflect.DeepEqual(a.Data, g4.Tensors[i].Data) {
			t.Fatalf("%s differs between 1 and 4 threads", a.Name)
		}
	}
}

// TestPadRowGetsNoGradient: nn.Embedding(padding_idx) never updates the pad
// row, even when the pad token occurs in the input.
func TestPadRowGetsNoGradient(t *testing.T) {
	p := loadTinyParams(t)
	b := loadRefBatch(t)
	pad := int32(p.Config.Pad)
	b.Inputs[5], b.Inputs[47] = pad, pad
	ws := newWorkspace(t, p, b)
	g, _, _ := backprop(t, ws, p, b)
	D := p.Config.Hidden
	if m := maxAbs(g.Embed.Data[int(pad)*D : int(pad+1)*D]); m != 0 {
		t.Errorf("pad row gradient max %g, want 0", m)
	}
	if m := maxAbs(g.Embed.Data[int(b.Inputs[4])*D : int(b.Inputs[4]+1)*D]); m == 0 {
		t.Errorf("an ordinary input row has no gradient")
	}
}

// TestRouterGradientRows: the router weight gets gradient only in the rows
// of selected experts, and unselected experts' stacks get none.
func TestRouterGradientRows(t *testing.T) {
	c, p := microParams(t, `,"num_local_experts":4`, 3)
	// Expert 3 never wins: its router row equals expert 0's, and ties go to
	// the lowest index.
	D := c.Hidden
	for l := range p.Layers {
		if r := p.Layers[l].Router; r != nil {
			copy(r.Data[3*D:4*D], r.Data[:D])
		}
	}
	b := microBatch(c, 1, 6, 5)
	ws := newWorkspace(t, p, b)
	g, _, _ := backprop(t, ws, p, b)
	E, Fe := c.Experts, c.Intermediate
	unused := 0
	for l, la := range ws.layers {
		if !c.LayerIsMoE[l] {
			continue
		}
		for e := 0; e < E; e++ {
			n := la.off[e+1] - la.off[e]
			rg := maxAbs(g.Layers[l].Router.Data[e*D : (e+1)*D])
			gu := maxAbs(g.Layers[l].ExpertsGateUp.Data[e*D*2*Fe : (e+1)*D*2*Fe])
			dn := maxAbs(g.Layers[l].ExpertsDown.Data[e*Fe*D : (e+1)*Fe*D])
			if (n == 0) != (rg == 0) || (n == 0) != (gu == 0) || (n == 0) != (dn == 0) {
				t.Errorf("layer %d expert %d: %d tokens, router-row grad %g, stacks %g/%g", l, e, n, rg, gu, dn)
			}
			if n == 0 {
				unused++
			}
		}
		if la.off[4] != la.off[3] {
			t.Errorf("layer %d: expert 3 got tokens despite losing every tie", l)
		}
	}
	if unused < 2 {
		t.Errorf("%d unused experts, want expert 3 of both MoE layers", unused)
	}
}

// TestConfigJSONRoundTrip: ConfigJSON parses back to the same Config.
func TestConfigJSONRoundTrip(t *testing.T) {
	cfgs := []*llama4.Config{microConfig(t, ``), microConfig(t, `,"tie_word_embeddings":true,"eos_token_id":[2,3],
		"rope_scaling":{"rope_type":"llama3","factor":16,"low_freq_factor":1,"high_freq_factor":1,"original_max_position_embeddings":32}`)}
	if p, err := LoadHF(tinyDir + "/f32"); err == nil {
		cfgs = append(cfgs, p.Config)
	}
	for i, c := range cfgs {
		js, err := ConfigJSON(c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := checkpoint.ParseConfig(js)
		if err != nil {
			t.Fatalf("config %d: %v\n%s", i, err, js)
		}
		want := *c
		want.TorchDType = "float32"
		if !reflect.DeepEqual(*back, want) {
			t.Errorf("config %d round trip:\n got %+v\nwant %+v", i, *back, want)
		}
	}
}
