package safetensors

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// OpenDir opens a model's tensors. path may be:
//   - a directory holding model.safetensors.index.json: a sharded checkpoint
//     whose index ({"metadata": ..., "weight_map": {name: shard file}}) names
//     the shard of every tensor;
//   - a directory holding model.safetensors, or exactly one *.safetensors file;
//   - the path of a single .safetensors file.
//
// The index may not name a file outside the directory (absolute paths and
// ".." are rejected); symbolic links inside it are followed, as Hugging Face
// cache snapshots need. Every shard must exist when OpenDir is called, but is
// opened and validated only when first used; a single file is opened at once.
func OpenDir(path string) (*Set, error) {
	return OpenDirLimits(path, DefaultLimits)
}

// OpenDirLimits is OpenDir with every header and the index held to lim.
func OpenDirLimits(path string, lim Limits) (*Set, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	if !st.IsDir() {
		return openSingle(path, lim)
	}
	index := filepath.Join(path, IndexName)
	if _, err := os.Stat(index); err == nil {
		return openSharded(path, index, lim)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	single := filepath.Join(path, "model.safetensors")
	if _, err := os.Stat(single); err == nil {
		return openSingle(single, lim)
	}
	matches, err := filepath.Glob(filepath.Join(path, "*.safetensors"))
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	switch len(matches) {
	case 0:
		return nil, fmt.Errorf("safetensors: %s: no %s, model.safetensors or other *.safetensors file", path, IndexName)
	case 1:
		return openSingle(matches[0], lim)
	}
	for i, m := range matches {
		matches[i] = filepath.Base(m)
	}
	return nil, fmt.Errorf("safetensors: %s: %d *.safetensors files (%s) but no %s to say how they fit together",
		path, len(matches), strings.Join(matches, ", "), IndexName)
}

// openSingle opens a Set over one file.
func openSingle(path string, lim Limits) (*Set, error) {
	f, err := OpenLimits(path, lim)
	if err != nil {
		return nil, err
	}
	s := singleSet(filepath.Dir(path), path, filepath.Base(path), f)
	s.lim = lim
	return s, nil
}

// singleSet is the Set of the one file f, already open: dir is the folder
// shards are opened from, where names the set in errors, and shard is f's key.
func singleSet(dir, where, shard string, f *File) *Set {
	s := &Set{
		dir:     dir,
		where:   where,
		shardOf: make(map[string]string, len(f.Header.Tensors)),
		names:   make([]string, 0, len(f.Header.Tensors)),
		files:   map[string]*File{shard: f},
		lim:     DefaultLimits,
	}
	for name := range f.Header.Tensors {
		s.shardOf[name] = shard
		s.names = append(s.names, name)
	}
	slices.Sort(s.names)
	return s
}

// openSharded opens a Set from an index, checking that every shard exists.
func openSharded(dir, index string, lim Limits) (*Set, error) {
	wm, err := readIndex(index, lim)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", index, err)
	}
	s := &Set{
		dir:     dir,
		where:   dir,
		index:   index,
		shardOf: wm,
		names:   make([]string, 0, len(wm)),
		files:   make(map[string]*File),
		lim:     lim,
	}
	checked := make(map[string]bool)
	for name, shard := range wm {
		s.names = append(s.names, name)
		if checked[shard] {
			continue
		}
		checked[shard] = true
		st, err := os.Stat(filepath.Join(dir, shard))
		if err == nil && !st.Mode().IsRegular() {
			err = fmt.Errorf("not a regular file")
		}
		if err != nil {
			return nil, fmt.Errorf("safetensors: %s: tensor %q: shard %s: %w", index, name, shard, err)
		}
	}
	slices.Sort(s.names)
	return s, nil
}
