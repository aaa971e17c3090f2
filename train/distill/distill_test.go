package distill_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/distill"
)

// tinyConfig is a byte-level model; hidden sets its width (teacher and
// student differ in shape).
func tinyConfig(t testing.TB, hidden string) *llama4.Config {
	t.Helper()
	js := `{"model_type":"llama4_text","vocab_size":259,"hidden_size":` + hidden + `,"intermediate_size":32,
	"intermediate_size_mlp":48,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,
	"head_dim":8,"num_local_experts":2,"moe_layers":[1],"no_rope_layers":[1,0],"attention_chunk_size":8,
	"floor_scale":4,"bos_token_id":256,"eos_token_id":257,"pad_token_id":258,"max_position_embeddings":256}`
	c, err := checkpoint.ParseConfig([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func corpus(t testing.TB) *dataset.Dataset {
	t.Helper()
	text, err := os.ReadFile("../testdata/dickens.txt")
	if err != nil {
		t.Fatal(err)
	}
	d, err := dataset.New(text, dataset.ByteTokenizer{}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// teacherModel trains a teacher on the corpus for a few steps and loads
// its export (in dir) as an inference model, as `herd train --teacher DIR`
// does.
func teacherModel(t testing.TB) (data *dataset.Dataset, m *llama4.Model, dir string) {
	t.Helper()
	data = corpus(t)
	o := train.DefaultOptions()
	o.Steps, o.Batch, o.SeqLen, o.Warmup, o.LR, o.Seed = 4, 2, 16, 1, 3e-3, 7
	tr, err := train.NewTrainer(tinyConfig(t, "48"), o, data)
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	if err := tr.Run(train.RunConfig{OutDir: dir}); err != nil {
		t.Fatal(err)
	}
	if m, err = checkpoint.LoadHF(dir); err != nil {
		t.Fatal(err)
	}
	return data, m, dir
}

// writeCache writes m's top-k cache of data's training tokens with o (its
// Data set to the data's fingerprint) into a new directory and returns the
// directory and the cache's index.
func writeCache(t testing.TB, m *llama4.Model, data *dataset.Dataset, o distill.CacheOptions) (string, *distill.Index) {
	t.Helper()
	dir := t.TempDir()
	o.Data = data.Fingerprint()
	ix, err := distill.WriteCache(dir, m, data.Train, o)
	if err != nil {
		t.Fatal(err)
	}
	return dir, ix
}

// TestCacheMatchesOnlineTeacher writes a cache and checks that its records
// are the online teacher's top k where the contexts agree (a row starting
// at position 0 within the first window), and that reopening it checks the
// data.
func TestCacheMatchesOnlineTeacher(t *testing.T) {
	data, m, _ := teacherModel(t)
	const k, T = 5, 16
	dir, ix := writeCache(t, m, data, distill.CacheOptions{K: k, Context: 32, Windows: 3, ShardPositions: 100, Teacher: "t"})
	if ix.Positions != len(data.Train)-1 || len(ix.Shards) != (ix.Positions+99)/100 {
		t.Fatalf("index: %d positions in %d shards, want %d", ix.Positions, len(ix.Shards), len(data.Train)-1)
	}
	c, err := distill.OpenCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.CheckData(data); err != nil {
		t.Fatal(err)
	}
	b := dataset.NewBatch(1, T)
	copy(b.Inputs, data.Train[:T])
	copy(b.Targets, data.Train[1:T+1])
	b.Starts = []int{0}
	online, err := distill.NewTeacher(m, k)
	if err != nil {
		t.Fatal(err)
	}
	got, want := make([]distill.Soft, T), make([]distill.Soft, T)
	if err := c.Row(b, 0, got); err != nil {
		t.Fatal(err)
	}
	if err := online.Row(b, 0, want); err != nil {
		t.Fatal(err)
	}
	for p := range T {
		for j := range k {
			if got[p].Idx[j] != want[p].Idx[j] || math.Abs(float64(got[p].LogP[j]-want[p].LogP[j])) > 1e-5 {
				t.Fatalf("position %d entry %d: cache %d %v, online %d %v", p, j, got[p].Idx[j], got[p].LogP[j], want[p].Idx[j], want[p].LogP[j])
			}
		}
	}
	// Every position is cached: the last row of the training part reads.
	b.Starts[0] = ix.Positions - T
	if err := c.Row(b, 0, got); err != nil {
		t.Fatal(err)
	}
	b.Starts[0] = ix.Positions - T + 1
	if err := c.Row(b, 0, got); err == nil {
		t.Fatal("a row past the cache: no error")
	}
	other, err := dataset.New([]byte(strings.Repeat("other text. ", 60)), dataset.ByteTokenizer{}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckData(other); err == nil || !strings.Contains(err.Error(), "other tokens") {
		t.Fatalf("other data: error %v, want a fingerprint mismatch", err)
	}
}

// TestCacheRefusesDamage: a truncated shard or a missing index is a clear
// error when opening.
func TestCacheRefusesDamage(t *testing.T) {
	data, m, _ := teacherModel(t)
	dir, _ := writeCache(t, m, data, distill.CacheOptions{K: 3, Context: 16, Windows: 2, ShardPositions: 1000})
	if _, err := distill.WriteCache(dir, m, data.Train, distill.CacheOptions{K: 3, Context: 16, Windows: 2, ShardPositions: 1000}); err == nil {
		t.Fatal("writing over a cache: no error")
	}
	shard := filepath.Join(dir, "shard-00000.kd")
	b, err := os.ReadFile(shard)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shard, b[:len(b)-8], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := distill.OpenCache(dir); err == nil || !strings.Contains(err.Error(), "bytes, want") {
		t.Fatalf("truncated shard: error %v", err)
	}
	if _, err := distill.OpenCache(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a finished teacher cache") {
		t.Fatalf("empty directory: error %v", err)
	}
	for _, o := range []distill.CacheOptions{{K: 0, Context: 16, Windows: 1, ShardPositions: 1}, {K: 3, Context: 1, Windows: 1, ShardPositions: 1}, {K: 3, Context: 16, Windows: 0, ShardPositions: 1}} {
		if _, err := distill.WriteCache(t.TempDir(), m, data.Train, o); err == nil {
			t.Errorf("options %+v: no error", o)
		}
	}
}

// TestVocabularyMismatch: a teacher of another vocabulary is refused.
func TestVocabularyMismatch(t *testing.T) {
	_, m, _ := teacherModel(t)
	tc, err := distill.NewTeacher(m, 0)
	if err != nil {
		t.Fatal(err)
	}
	o := distill.DefaultOptions()
	o.Teacher = "t"
	if _, err := distill.New(o, tc, 300); err == nil || !strings.Contains(err.Error(), "259 ids, the student's 300") {
		t.Fatalf("error %v, want a vocabulary mismatch naming both sizes", err)
	}
}

// TestDistillResumeBitExact: distillation runs (online teacher, top-k
// cache) resumed from a checkpoint continue bit for bit, and their loss
// differs from a hard-label run's.
func TestDistillResumeBitExact(t *testing.T) {
	data, m, tdir := teacherModel(t)
	cdir, _ := writeCache(t, m, data, distill.CacheOptions{K: 4, Context: 32, Windows: 2, ShardPositions: 128})
	for _, v := range []struct {
		name string
		set  func(o *distill.Options)
	}{
		{"online-dense-confidence", func(o *distill.Options) { o.Teacher, o.Temp, o.Weighting = tdir, 2, distill.WeightConfidence }},
		{"online-topk", func(o *distill.Options) { o.Teacher, o.TopK = tdir, 8 }},
		{"cache", func(o *distill.Options) { o.Cache = cdir }},
	} {
		t.Run(v.name, func(t *testing.T) {
			do := distill.DefaultOptions()
			v.set(&do)
			o := train.DefaultOptions()
			o.Steps, o.Batch, o.SeqLen, o.Warmup, o.Accum, o.SaveEvery, o.Seed = 6, 2, 16, 2, 2, 3, 42
			o.Distill = &do
			cfg := tinyConfig(t, "32")
			attach := func(tr *train.Trainer) *train.Trainer {
				t.Helper()
				d, err := distiller(tr.Opt.Distill, m, data, tr.Params.Config.VocabSize)
				if err != nil {
					t.Fatal(err)
				}
				tr.Distiller = d
				return tr
			}
			newTr := func() *train.Trainer {
				tr, err := train.NewTrainer(cfg, o, data)
				if err != nil {
					t.Fatal(err)
				}
				return attach(tr)
			}
			a := newTr()
			if err := a.Run(train.RunConfig{OutDir: t.TempDir()}); err != nil {
				t.Fatal(err)
			}
			dirB := t.TempDir()
			b := newTr()
			if err := b.Run(train.RunConfig{OutDir: dirB, StopAfter: 3}); err != nil {
				t.Fatal(err)
			}
			if _, err := b.TrainStep(); err != nil { // lost in the "kill"
				t.Fatal(err)
			}
			c, err := train.ResumeTrainer(dirB, data, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.TrainStep(); err == nil || !strings.Contains(err.Error(), "no Distiller") {
				t.Fatalf("resumed without a distiller: error %v", err)
			}
			c, _ = train.ResumeTrainer(dirB, data, 0)
			if *c.Opt.Distill != do {
				t.Fatalf("resumed distill options %+v, want %+v", *c.Opt.Distill, do)
			}
			if err := attach(c).Run(train.RunConfig{OutDir: dirB}); err != nil {
				t.Fatal(err)
			}
			for i, ta := range a.Params.Tensors {
				for j, x := range ta.Data {
					if math.Float32bits(x) != math.Float32bits(c.Params.Tensors[i].Data[j]) {
						t.Fatalf("%s[%d]: straight run %v, resumed %v", ta.Name, j, x, c.Params.Tensors[i].Data[j])
					}
				}
			}
			// The distilled run differs from hard labels only.
			o2 := o
			o2.Distill = nil
			h, err := train.NewTrainer(cfg, o2, data)
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Run(train.RunConfig{OutDir: t.TempDir()}); err != nil {
				t.Fatal(err)
			}
			if h.Params.Tensors[0].Data[300] == a.Params.Tensors[0].Data[300] && h.Params.Tensors[1].Data[5] == a.Params.Tensors[1].Data[5] {
				t.Fatal("the distilled run's weights equal the hard-label run's")
			}
		})
	}
}

// distiller builds the distiller of o as herd train does.
func distiller(o *distill.Options, m *llama4.Model, data *dataset.Dataset, V int) (*distill.Distiller, error) {
	var src distill.Source
	if o.Cache != "" {
		c, err := distill.OpenCache(o.Cache)
		if err != nil {
			return nil, err
		}
		if err := c.CheckData(data); err != nil {
			return nil, err
		}
		src = c
	} else {
		tc, err := distill.NewTeacher(m, o.TopK)
		if err != nil {
			return nil, err
		}
		src = tc
	}
	return distill.New(*o, src, V)
}
