package distill

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/herd-llm/herd/internal/mmap"
	"github.com/herd-llm/herd/train/dataset"
)

// Cache is an amortised teacher: a directory written by WriteCache, its
// shards memory-mapped. Row reads the records of a batch row's positions
// (dataset.Batch.Starts) straight from the mappings.
type Cache struct {
	Dir string
	Index
	maps     [][]byte
	releases []func() error

	idx []int32
	lp  []float32
}

// OpenCache opens the cache in dir, checking every shard's header and size
// against the index.
func OpenCache(dir string) (*Cache, error) {
	js, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		return nil, fmt.Errorf("distill: %s is not a finished teacher cache: %w", dir, err)
	}
	c := &Cache{Dir: dir}
	if err := json.Unmarshal(js, &c.Index); err != nil {
		return nil, fmt.Errorf("distill: %s: %w", filepath.Join(dir, IndexFile), err)
	}
	ix := &c.Index
	if ix.Format != cacheFormat {
		return nil, fmt.Errorf("distill: %s: format %q, want %q", dir, ix.Format, cacheFormat)
	}
	if ix.K < 1 || ix.VocabSize < ix.K || ix.ShardPositions < 1 || ix.Positions < 1 {
		return nil, fmt.Errorf("distill: %s: bad index (vocabulary %d, k %d, %d positions, %d per shard)", dir, ix.VocabSize, ix.K, ix.Positions, ix.ShardPositions)
	}
	next := 0
	for i, s := range ix.Shards {
		if s.First != next || s.Count < 1 || (s.Count != ix.ShardPositions && i != len(ix.Shards)-1) || s.Count > ix.ShardPositions {
			c.Close()
			return nil, fmt.Errorf("distill: %s: shard %d covers positions %d+%d, want %d+%d", dir, i, s.First, s.Count, next, ix.ShardPositions)
		}
		next += s.Count
		path := filepath.Join(dir, filepath.Base(s.File))
		b, rel, err := mapFile(path)
		if err == nil {
			c.maps, c.releases = append(c.maps, b), append(c.releases, rel)
			err = checkHeader(b, ix, s)
		}
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("distill: %s: %w", path, err)
		}
	}
	if next != ix.Positions {
		c.Close()
		return nil, fmt.Errorf("distill: %s: shards cover %d positions, the index says %d", dir, next, ix.Positions)
	}
	return c, nil
}

func mapFile(path string) ([]byte, func() error, error) {
	f, size, err := mmap.OpenRegular(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if size == 0 {
		return nil, nil, errors.New("empty file")
	}
	return mmap.File(f, int(size))
}

// Close unmaps the shards.
func (c *Cache) Close() error {
	var errs []error
	for _, rel := range c.releases {
		errs = append(errs, rel())
	}
	c.maps, c.releases = nil, nil
	return errors.Join(errs...)
}

// VocabSize is the teacher's vocabulary size.
func (c *Cache) VocabSize() int { return c.Index.VocabSize }

// CheckData refuses a dataset other than the one the cache was written
// for: other tokens (another text or tokenizer), or another length.
func (c *Cache) CheckData(d *dataset.Dataset) error {
	if fp := d.Fingerprint(); fp != c.Data {
		return fmt.Errorf("distill: the cache in %s is of other tokens (fingerprint %s; this data %s): write it with the same text, --val-frac and tokenizer", c.Dir, c.Data, fp)
	}
	if len(d.Train)-1 != c.Positions {
		return fmt.Errorf("distill: the cache in %s has %d positions, the training part %d", c.Dir, c.Positions, len(d.Train)-1)
	}
	return nil
}

// Row fills out with the cached top-k of the positions Starts[row]…
// Starts[row]+T−1 of the training part.
func (c *Cache) Row(b *dataset.Batch, row int, out []Soft) error {
	if len(b.Starts) != b.B {
		return fmt.Errorf("distill: the batch does not record where its rows start in the training data")
	}
	T, k := b.T, c.K
	start := b.Starts[row]
	if start < 0 || start+T > c.Positions {
		return fmt.Errorf("distill: row %d covers positions %d…%d, the cache %d", row, start, start+T-1, c.Positions)
	}
	if len(c.idx) < T*k {
		c.idx, c.lp = make([]int32, T*k), make([]float32, T*k)
	}
	rs := recordSize(k)
	for t := 0; t < T; t++ {
		pos := start + t
		sh := pos / c.ShardPositions
		off := headerSize + (pos-c.Shards[sh].First)*rs
		ix, lp := c.idx[t*k:(t+1)*k], c.lp[t*k:(t+1)*k]
		getRecord(c.maps[sh][off:off+rs], ix, lp)
		for _, id := range ix {
			if id < 0 || int(id) >= c.Index.VocabSize {
				return fmt.Errorf("distill: %s: position %d holds token %d, outside the vocabulary [0, %d)", c.Dir, pos, id, c.Index.VocabSize)
			}
		}
		out[t] = Soft{Idx: ix, LogP: lp}
	}
	return nil
}
