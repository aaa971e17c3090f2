package train

import (
	"math"
	"testing"

	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/metap"
)

// TestMetaPInitStd checks the drawn weights' std against the rules: hidden
// ∝ 1/√width, output ∝ 1/width, embeddings constant.
func TestMetaPInitStd(t *testing.T) {
	base := metap.MetaP{BaseWidth: 64, BaseDepth: 2}
	for _, w := range []int{64, 256} {
		cfg, _ := metap.ProxyConfig(w, 4)
		p, err := NewParams[float32](cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := initMetaP(base, p, 1, 0.02); err != nil {
			t.Fatal(err)
		}
		mw := float64(w) / 64
		for _, c := range []struct {
			t    *Tensor[float32]
			want float64
		}{
			{p.Embed, 0.02},
			{p.LMHead, 0.02 / mw},
			{p.Layers[0].Q, 0.02 / math.Sqrt(mw)},
			{p.Layers[1].ExpertsGateUp, 0.02 / math.Sqrt(mw)},
			{p.Layers[2].Down, 0.02 / 2 / math.Sqrt(mw) / 2}, // σ/√(2·2)/√m_w/m_d, m_d = 2
		} {
			var ss float64
			for _, v := range c.t.Data {
				ss += float64(v) * float64(v)
			}
			got := math.Sqrt(ss / float64(len(c.t.Data)))
			if math.Abs(got/c.want-1) > 0.05 {
				t.Errorf("width %d: %s std %.5f, want %.5f", w, c.t.Name, got, c.want)
			}
		}
	}
}

// TestMetaPAtBaseIsStandard: at the base shape MetaP's multipliers are all
// exactly 1, so three steps give the very same parameters as the standard
// parametrisation, bit for bit.
func TestMetaPAtBaseIsStandard(t *testing.T) {
	cfg := smallConfig(t)
	data := byteData(t, corpus, 0.1)
	o := smallOptions()
	o.Steps = 3
	sp := trainerOn(t, cfg, o, data)
	o.MetaP, o.BaseWidth, o.BaseDepth = true, cfg.Hidden, cfg.Layers
	mp := trainerOn(t, cfg, o, data)
	if mp.Optim.LRMult == nil {
		t.Fatal("MetaP set no learning-rate multipliers")
	}
	for range 3 {
		if _, err := sp.TrainStep(); err != nil {
			t.Fatal(err)
		}
		if _, err := mp.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	for i, a := range sp.Params.Tensors {
		b := mp.Params.Tensors[i]
		for j := range a.Data {
			if math.Float32bits(a.Data[j]) != math.Float32bits(b.Data[j]) {
				t.Fatalf("%s[%d]: standard %v, MetaP at the base shape %v", a.Name, j, a.Data[j], b.Data[j])
			}
		}
	}
}

// TestMetaPRejectsTiedEmbeddings: the embedding and lm_head need different
// rules.
func TestMetaPRejectsTiedEmbeddings(t *testing.T) {
	cfg := smallConfig(t)
	cfg.TieEmbeddings = true
	data, _ := dataset.New([]byte(corpus), dataset.ByteTokenizer{}, 0.1)
	o := smallOptions()
	o.MetaP = true
	if _, err := NewTrainer(cfg, o, data); err == nil {
		t.Fatal("MetaP with tied embeddings: no error")
	}
}
