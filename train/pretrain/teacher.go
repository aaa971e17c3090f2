package pretrain

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/distill"
)

// attachDistiller gives a distillation run (tr.Opt.Distill set) its
// teacher: the cache, checked against data, or the teacher model, checked
// to read text as the student does (same vocabulary size and, when it has
// a tokenizer, the same tokens for text). It returns a function that
// releases the teacher.
func attachDistiller(tr *train.Trainer, data *dataset.Dataset, text []byte, valFrac float64, docSep string, log io.Writer) (func(), error) {
	o := tr.Opt.Distill
	if o == nil {
		return func() {}, nil
	}
	V := tr.Params.Config.VocabSize
	if o.Cache != "" {
		c, err := distill.OpenCache(o.Cache)
		if err != nil {
			return nil, err
		}
		if err := c.CheckData(data); err != nil {
			c.Close()
			return nil, err
		}
		d, err := distill.New(*o, c, V)
		if err != nil {
			c.Close()
			return nil, err
		}
		tr.Distiller = d
		fmt.Fprintf(log, "distill: teacher cache %s (%s, top %d), τ %g, α %g → %g, %s weighting\n", o.Cache, c.Teacher, c.K, o.Temp, o.Alpha, o.AlphaEnd, o.Weighting)
		return func() { c.Close() }, nil
	}
	m, err := checkpoint.Load(o.Teacher)
	if err != nil {
		return nil, fmt.Errorf("--teacher: %w", err)
	}
	if t, err := checkpoint.LoadTokenizer(o.Teacher, m); err == nil {
		td, err := newDataset(text, dataset.TextTokenizer{T: t}, valFrac, docSep)
		if err != nil {
			m.Close()
			return nil, err
		}
		if td.Fingerprint() != data.Fingerprint() {
			m.Close()
			return nil, fmt.Errorf("--teacher %s: its tokenizer splits the text differently from the student's: the vocabularies differ", o.Teacher)
		}
	} else if !errors.Is(err, checkpoint.ErrNoTokenizer) {
		m.Close()
		return nil, err
	}
	src, err := distill.NewTeacher(m, o.TopK)
	if err == nil {
		tr.Distiller, err = distill.New(*o, src, V)
	}
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("--teacher %s: %w", o.Teacher, err)
	}
	k := "all"
	if src.K > 0 {
		k = fmt.Sprint(src.K)
	}
	fmt.Fprintf(log, "distill: teacher %s online (%s layers, hidden %d; top %s of %d), τ %g, α %g → %g, %s weighting\n",
		o.Teacher, fmt.Sprint(m.Config.Layers), m.Config.Hidden, k, m.Config.VocabSize, o.Temp, o.Alpha, o.AlphaEnd, o.Weighting)
	return func() { m.Close() }, nil
}

// CacheJob is herd distill-cache: a teacher run once over the training part
// of a text, its top-k log-probs per position written for
// Job.Opt.Distill.Cache.
type CacheJob struct {
	Teacher   string               // any model herd loads (a directory or .gguf)
	Data      string               // the text, split as the student's run splits it
	ValFrac   float64              // as the student's
	DocSep    string               // as the student's
	Tokenizer string               // "bytes" for a byte-level teacher; "" = the teacher's own
	Out       string               // cache directory to create
	Opt       distill.CacheOptions // K, Context, Windows, ShardPositions (Teacher, Data and Progress are filled in)
}

// Run writes the cache, reporting progress and a summary on log.
func (c *CacheJob) Run(log io.Writer) error {
	text, err := os.ReadFile(c.Data)
	if err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	m, err := checkpoint.Load(c.Teacher)
	if err != nil {
		return err
	}
	defer m.Close()
	tk, err := teacherTokenizer(c.Teacher, m, c.Tokenizer)
	if err != nil {
		return err
	}
	data, err := newDataset(text, tk, c.ValFrac, c.DocSep)
	if err != nil {
		return badf("%v", err)
	}
	t0 := time.Now()
	o := c.Opt
	o.Teacher, o.Data, o.Progress = filepath.Base(filepath.Clean(c.Teacher)), data.Fingerprint(), log
	ix, err := distill.WriteCache(c.Out, m, data.Train, o)
	if err != nil {
		return err
	}
	size := int64(0)
	for _, s := range ix.Shards {
		size += int64(64 + 8*ix.K*s.Count)
	}
	fmt.Fprintf(log, "distill-cache: %d positions × top %d of %d in %d shards, %.1f MB, in %v\n",
		ix.Positions, ix.K, ix.VocabSize, len(ix.Shards), float64(size)/1e6, time.Since(t0).Round(time.Millisecond))
	return nil
}

// teacherTokenizer is the tokenizer the teacher at path reads text with:
// the byte tokenizer for spec "bytes", else the model's own.
func teacherTokenizer(path string, m *llama4.Model, spec string) (dataset.Tokenizer, error) {
	switch spec {
	case "bytes":
		return dataset.ByteTokenizer{}, nil
	case "":
	default:
		return nil, badf("--tokenizer %q: want bytes, or none for the teacher's own", spec)
	}
	t, err := checkpoint.LoadTokenizer(path, m)
	if errors.Is(err, checkpoint.ErrNoTokenizer) {
		return nil, fmt.Errorf("teacher %s has no tokenizer: pass --tokenizer bytes for a byte-level model", filepath.Base(filepath.Clean(path)))
	}
	if err != nil {
		return nil, err
	}
	return dataset.TextTokenizer{T: t}, nil
}
