package checkpoint

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/model/llama4"
)

// Report is what Inspect found in a model's files.
type Report struct {
	// Config is the model's configuration.
	Config *llama4.Config
	// GGUF is what a GGUF file says besides the Config; nil otherwise.
	GGUF *GGUFMeta
	// Format is "gguf", "safetensors", or "config" for a config.json with
	// no weight files beside it.
	Format string
	// Files are the weight files, as paths: the GGUF file, or every
	// safetensors shard.
	Files []string
	// DTypes counts tensors and bytes by element type (safetensors dtype or
	// ggml type), most bytes first.
	DTypes []DTypeCount
	// Tensors and Bytes are the totals over DTypes.
	Tensors int
	Bytes   int64
}

// DTypeCount is the tensors of one element type.
type DTypeCount struct {
	DType   string
	Tensors int
	Bytes   int64
}

// Inspect reads and validates the headers of every weight file of the model
// at path (a Hugging Face directory, a config.json, or a GGUF file) without
// reading the weights: the configuration under FromEnv's limits; every
// shard's header (offsets within the file, no overlaps, no truncation); and
// every tensor's name, dtype and shape against the configuration, as Load
// checks them. It fails on anything Load would refuse.
func Inspect(path string) (*Report, error) {
	lim, err := activeLimits()
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	if !st.IsDir() && IsGGUF(path) {
		return inspectGGUF(path) // ConfigFromGGUF applies the limits
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	dir := path
	if !st.IsDir() {
		dir = filepath.Dir(path)
	}
	if !hasSafetensors(dir) {
		return &Report{Config: cfg, Format: "config"}, nil
	}
	return inspectHF(dir, cfg, lim)
}

// hasSafetensors reports whether dir holds an index or a *.safetensors file.
func hasSafetensors(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, safetensors.IndexName)); err == nil {
		return true
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	return len(m) > 0
}

// inspectHF validates a Hugging Face checkpoint's safetensors headers.
func inspectHF(dir string, cfg *llama4.Config, lim Limits) (*Report, error) {
	set, err := safetensors.OpenDirLimits(dir, lim.safetensors())
	if err != nil {
		return nil, fmt.Errorf("llama4: %w", hint(err))
	}
	defer set.Close()
	names := set.Names()
	if len(names) > lim.Tensors {
		return nil, fmt.Errorf("llama4: %s: %d tensors exceed the limit of %d (%sTENSORS)", dir, len(names), lim.Tensors, EnvPrefix)
	}
	r := &Report{Config: cfg, Format: "safetensors"}
	tally := map[string]*DTypeCount{}
	for _, n := range names { // opens every shard: each header is validated
		in, err := set.Info(n)
		if err != nil {
			return nil, fmt.Errorf("llama4: %w", hint(err))
		}
		r.count(tally, in.DType, in.End-in.Begin)
	}
	b := &hfBinder{set: set, cfg: cfg, used: map[string]bool{}, dry: true}
	if _, err := b.bind(); err != nil {
		return nil, fmt.Errorf("llama4: %s: %w", dir, err)
	}
	for _, s := range set.Shards() {
		r.Files = append(r.Files, filepath.Join(dir, s))
	}
	r.sortDTypes(tally)
	return r, nil
}

// inspectGGUF validates a GGUF file: its header and tensor table, its
// metadata, and every tensor's name, type and dims against the metadata.
func inspectGGUF(path string) (*Report, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("llama4: %w", err)
	}
	defer f.Close()
	m, meta, err := ModelFromGGUF(f)
	if err != nil {
		return nil, err
	}
	r := &Report{Config: m.Config, GGUF: meta, Format: "gguf", Files: []string{path}}
	tally := map[string]*DTypeCount{}
	for _, ti := range f.Tensors() {
		r.count(tally, ti.Type.String(), int64(ti.Size))
	}
	r.sortDTypes(tally)
	return r, nil
}

// count adds one tensor of dtype and n bytes.
func (r *Report) count(tally map[string]*DTypeCount, dtype string, n int64) {
	c := tally[dtype]
	if c == nil {
		c = &DTypeCount{DType: dtype}
		tally[dtype] = c
	}
	c.Tensors++
	c.Bytes += n
	r.Tensors++
	r.Bytes += n
}

// sortDTypes fills r.DTypes from tally, most bytes first.
func (r *Report) sortDTypes(tally map[string]*DTypeCount) {
	for _, c := range tally {
		r.DTypes = append(r.DTypes, *c)
	}
	sort.Slice(r.DTypes, func(i, j int) bool {
		a, b := r.DTypes[i], r.DTypes[j]
		if a.Bytes != b.Bytes {
			return a.Bytes > b.Bytes
		}
		return a.DType < b.DType
	})
}
