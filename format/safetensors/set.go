package safetensors

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
)

// Set is a model's tensors across one safetensors file or several shards.
// Shards are opened (mapped) lazily on first use and stay open until Close.
// The methods are safe for concurrent use.
type Set struct {
	dir     string            // directory the shard names are relative to
	where   string            // how errors name the set: the directory, or the single file
	index   string            // index file path; "" for a single file
	shardOf map[string]string // tensor name -> shard file name relative to dir
	names   []string          // sorted tensor names
	lim     Limits            // the limits shards are opened under

	mu     sync.Mutex
	files  map[string]*File // opened shards by shard file name
	closed bool
}

// Names returns the names of all tensors in the set, sorted. The slice is a
// copy the caller owns.
func (s *Set) Names() []string {
	return append([]string(nil), s.names...)
}

// Has reports whether the set holds a tensor of that name (for a sharded set,
// whether the index lists it).
func (s *Set) Has(name string) bool {
	_, ok := s.shardOf[name]
	return ok
}

// Info returns the named tensor's header entry without touching its data,
// opening its shard if needed. The Shape is a copy the caller may keep.
func (s *Set) Info(name string) (Info, error) {
	t, err := s.Tensor(name)
	if err != nil {
		return Info{}, err
	}
	return t.Info, nil
}

// Tensor returns the named tensor, its Data aliasing the mapping of its shard
// and valid until Close. A name the set lacks gives an error matching
// ErrNotFound, "safetensors: tensor <name> not found in <dir>"; a tensor the
// index maps to a shard that lacks it is an error naming both.
func (s *Set) Tensor(name string) (*Tensor, error) {
	shard, ok := s.shardOf[name]
	if !ok {
		return nil, notFound(name, s.where)
	}
	f, err := s.open(shard)
	if err != nil {
		return nil, err
	}
	t, err := f.Tensor(name)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("safetensors: %s: tensor %q: %s maps it to shard %s, which does not contain it", f.Path, name, s.index, shard)
	}
	return t, err
}

// DontNeed drops the named tensor's pages from the process's resident set
// when the tensor is memory mapped (a no-op for sets over bytes in memory).
// Its Data stays valid and is read again from the file if touched. Loaders
// call it for tensors they have copied into another layout, so that the
// process's RSS counts the weights once.
func (s *Set) DontNeed(name string) error {
	shard, ok := s.shardOf[name]
	if !ok {
		return notFound(name, s.where)
	}
	f, err := s.open(shard)
	if err != nil {
		return err
	}
	return f.dontNeed(name)
}

// DontNeedAll is DontNeed for every tensor of the shards opened so far, for a
// loader that has converted most of the weights (quantized them, say): the
// tensors still in use are read back from the file as they are touched.
func (s *Set) DontNeedAll() error {
	s.mu.Lock()
	files := make([]*File, 0, len(s.files))
	for _, f := range s.files {
		files = append(files, f)
	}
	s.mu.Unlock()
	for _, f := range files {
		for name := range f.Header.Tensors {
			if err := f.dontNeed(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// open returns the opened shard, opening it on first use.
func (s *Set) open(shard string) (*File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("safetensors: %s: set is closed", s.where)
	}
	if f := s.files[shard]; f != nil {
		return f, nil
	}
	f, err := OpenLimits(filepath.Join(s.dir, shard), s.lim)
	if err != nil {
		return nil, err
	}
	s.files[shard] = f
	return f, nil
}

// Close unmaps every opened file. Tensor data obtained from the set must not
// be used afterwards. Closing twice is a no-op.
func (s *Set) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.Close())
	}
	s.files = nil
	return errors.Join(errs...)
}

// Shards returns the file names of the set's shards, relative to its
// directory and sorted: the index's files, or the single file.
func (s *Set) Shards() []string {
	seen := make(map[string]bool)
	var out []string
	for _, shard := range s.shardOf {
		if !seen[shard] {
			seen[shard] = true
			out = append(out, shard)
		}
	}
	sort.Strings(out)
	return out
}
