package distill

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
)

// CacheOptions configure WriteCache.
type CacheOptions struct {
	K              int    // teacher tokens kept per position, 1…vocabulary
	Context        int    // teacher window length, ≥ 2; the stride is Context/2
	Windows        int    // windows per batched forward pass, ≥ 1
	ShardPositions int    // positions per shard file, ≥ 1
	Teacher        string // recorded in the index
	Data           string // the tokens' fingerprint (dataset.Dataset.Fingerprint), recorded in the index
	Progress       io.Writer
}

// WriteCache runs teacher m over the training tokens train (in windows of
// Context tokens, each Context/2 after the last, Windows windows per
// forward pass) and writes its top-K log-probabilities at every position
// 0…len(train)−2 to dir. Positions in the first window see the tokens
// before them; later positions are predicted from the second half of a
// window, so they see at least Context/2 tokens. It returns the index.
func WriteCache(dir string, m *llama4.Model, train []int32, o CacheOptions) (*Index, error) {
	V := m.Config.VocabSize
	P := len(train) - 1
	switch {
	case P < 1:
		return nil, fmt.Errorf("distill: %d training tokens: nothing to predict", len(train))
	case o.K < 1 || o.K > V:
		return nil, fmt.Errorf("distill: top-k %d must be in [1, vocabulary %d]", o.K, V)
	case o.Context < 2 || o.Context > m.Config.MaxPositions:
		return nil, fmt.Errorf("distill: context %d must be in [2, the teacher's %d positions]", o.Context, m.Config.MaxPositions)
	case o.Windows < 1 || o.ShardPositions < 1:
		return nil, fmt.Errorf("distill: windows %d and shard positions %d must be ≥ 1", o.Windows, o.ShardPositions)
	}
	for i, id := range train {
		if id < 0 || int(id) >= V {
			return nil, fmt.Errorf("distill: token %d at index %d is outside the teacher's vocabulary [0, %d)", id, i, V)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("distill: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, IndexFile)); err == nil {
		return nil, fmt.Errorf("distill: %s already holds a cache (%s)", dir, IndexFile)
	}
	ix := &Index{Format: cacheFormat, VocabSize: V, K: o.K, Positions: P, Data: o.Data, Teacher: o.Teacher,
		Context: o.Context, Stride: o.Context / 2, ShardPositions: o.ShardPositions}
	sw := &shardWriter{dir: dir, ix: ix, rec: make([]byte, recordSize(o.K))}
	caches := make([]*kvcache.Cache, o.Windows)
	for i := range caches {
		caches[i] = m.NewCache(o.Context)
	}
	h := ix.Stride
	var idx []int32
	var lp []float32
	soft := make([]Soft, o.Context)
	t0 := time.Now()
	next := 0 // first position not yet written
	for w := 0; next < P; {
		seqs := make([]llama4.Seq, 0, o.Windows)
		keep := make([]int, 0, o.Windows) // offset of the first kept position in each window
		for len(seqs) < o.Windows && next < P {
			start := w * h
			end := min(start+o.Context, P)
			caches[len(seqs)].Reset()
			seqs = append(seqs, llama4.Seq{Cache: caches[len(seqs)], IDs: train[start:end], AllLogits: true})
			keep = append(keep, next-start)
			next = end
			w++
		}
		out, err := m.ForwardBatch(seqs, nil)
		if err != nil {
			return nil, fmt.Errorf("distill: teacher: %w", err)
		}
		for s, lg := range out {
			n := len(seqs[s].IDs)
			idx, lp = logProbs(lg, n, V, o.K, idx, lp, soft)
			for t := keep[s]; t < n; t++ {
				if err := sw.put(soft[t]); err != nil {
					return nil, err
				}
			}
		}
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "\rdistill-cache: %d/%d positions (%.0f/s)", next, P, float64(next)/time.Since(t0).Seconds())
		}
	}
	if o.Progress != nil {
		fmt.Fprintln(o.Progress)
	}
	if err := sw.close(); err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(ix, "", " ")
	if err != nil {
		return nil, fmt.Errorf("distill: %w", err)
	}
	err = checkpoint.WriteFileAtomic(filepath.Join(dir, IndexFile), func(w io.Writer) error {
		_, err := w.Write(js)
		return err
	})
	return ix, err
}

// shardWriter writes records in position order, opening a new shard every
// ShardPositions positions.
type shardWriter struct {
	dir string
	ix  *Index
	rec []byte
	f   *os.File
	bw  *bufio.Writer
	n   int // positions written to the open shard
	pos int // positions written in all
}

func (sw *shardWriter) put(s Soft) error {
	ix := sw.ix
	if sw.f == nil {
		first := sw.pos
		count := min(ix.ShardPositions, ix.Positions-first)
		sh := Shard{File: shardName(len(ix.Shards)), First: first, Count: count}
		f, err := os.Create(filepath.Join(sw.dir, sh.File))
		if err != nil {
			return fmt.Errorf("distill: %w", err)
		}
		sw.f, sw.bw, sw.n = f, bufio.NewWriterSize(f, 1<<20), 0
		var hdr [headerSize]byte
		putHeader(hdr[:], ix.VocabSize, ix.K, first, count)
		sw.bw.Write(hdr[:])
		ix.Shards = append(ix.Shards, sh)
	}
	putRecord(sw.rec, s.Idx, s.LogP)
	if _, err := sw.bw.Write(sw.rec); err != nil {
		return fmt.Errorf("distill: %w", err)
	}
	sw.n++
	sw.pos++
	if sw.n == ix.Shards[len(ix.Shards)-1].Count {
		return sw.close()
	}
	return nil
}

func (sw *shardWriter) close() error {
	if sw.f == nil {
		return nil
	}
	f := sw.f
	sw.f = nil
	if err := sw.bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("distill: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("distill: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("distill: %w", err)
	}
	return nil
}
