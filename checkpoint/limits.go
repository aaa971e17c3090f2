package checkpoint

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/format/safetensors"
)

// Limits bounds every size a model file states (config.json, GGUF metadata,
// safetensors headers), so that a hostile or corrupt file ends in an error
// naming the field, its value and the limit, before anything is allocated
// from it. The defaults sit well above the largest Llama 4 models (Maverick:
// 48 layers, 128 experts, hidden 5120, vocab 202048; Behemoth: 16 experts,
// ~2T parameters; Scout's 10M-token context). A genuinely larger model can
// raise a limit through the environment: HERD_MAX_<NAME>=<n> for the field
// of that name (HERD_MAX_LAYERS=4096), or HERD_LIMITS=off to lift them all;
// see FromEnv.
type Limits struct {
	Layers       int   // num_hidden_layers / block_count (text and vision)
	Experts      int   // num_local_experts / expert_count
	Heads        int   // attention heads, query and key/value
	HeadDim      int   // head_dim / attention.key_length
	Vocab        int   // vocab_size
	Hidden       int   // hidden_size / embedding_length
	Intermediate int   // intermediate_size, intermediate_size_mlp (and the vision MLP)
	Context      int   // max_position_embeddings / context_length, attention chunk
	ImageSize    int   // vision image_size and patch_size, in pixels
	Tensors      int   // tensors in one safetensors file, GGUF file or index
	HeaderBytes  int64 // a safetensors header, a config or index JSON file
}

// DefaultLimits are the limits used unless the environment changes them.
var DefaultLimits = Limits{
	Layers:       1024,
	Experts:      1024,
	Heads:        1024,
	HeadDim:      1024,
	Vocab:        1 << 24,
	Hidden:       1 << 17,
	Intermediate: 1 << 20,
	Context:      1 << 28,
	ImageSize:    1 << 16,
	Tensors:      1 << 17,
	HeaderBytes:  64 << 20,
}

// NoLimits lifts every limit to what the int types hold; what is left are the
// checks against the file's own size.
var NoLimits = Limits{
	Layers: 1 << 31, Experts: 1 << 31, Heads: 1 << 31, HeadDim: 1 << 31, Vocab: 1 << 31,
	Hidden: 1 << 31, Intermediate: 1 << 31, Context: 1 << 31, ImageSize: 1 << 31,
	Tensors: 1 << 31, HeaderBytes: 1 << 40,
}

// EnvOff is the environment variable that lifts every limit when set to
// "off" (or "0", "none").
const EnvOff = "HERD_LIMITS"

// EnvPrefix starts the environment variables that set one limit:
// HERD_MAX_LAYERS, HERD_MAX_EXPERTS, HERD_MAX_HEADS, HERD_MAX_HEAD_DIM,
// HERD_MAX_VOCAB, HERD_MAX_HIDDEN, HERD_MAX_INTERMEDIATE, HERD_MAX_CONTEXT,
// HERD_MAX_IMAGE_SIZE, HERD_MAX_TENSORS, HERD_MAX_HEADER_BYTES.
const EnvPrefix = "HERD_MAX_"

// limitKind picks one of the int limits.
type limitKind int

const (
	kLayers limitKind = iota
	kExperts
	kHeads
	kHeadDim
	kVocab
	kHidden
	kIntermediate
	kContext
	kImageSize
	kTensors
)

// limitField is one int limit: its environment suffix and where it lives.
type limitField struct {
	env string
	get func(*Limits) *int
}

var limitFields = [...]limitField{
	kLayers:       {"LAYERS", func(l *Limits) *int { return &l.Layers }},
	kExperts:      {"EXPERTS", func(l *Limits) *int { return &l.Experts }},
	kHeads:        {"HEADS", func(l *Limits) *int { return &l.Heads }},
	kHeadDim:      {"HEAD_DIM", func(l *Limits) *int { return &l.HeadDim }},
	kVocab:        {"VOCAB", func(l *Limits) *int { return &l.Vocab }},
	kHidden:       {"HIDDEN", func(l *Limits) *int { return &l.Hidden }},
	kIntermediate: {"INTERMEDIATE", func(l *Limits) *int { return &l.Intermediate }},
	kContext:      {"CONTEXT", func(l *Limits) *int { return &l.Context }},
	kImageSize:    {"IMAGE_SIZE", func(l *Limits) *int { return &l.ImageSize }},
	kTensors:      {"TENSORS", func(l *Limits) *int { return &l.Tensors }},
}

// FromEnv returns DefaultLimits changed by the environment: HERD_LIMITS=off
// gives NoLimits; each HERD_MAX_<NAME>=<n> (a positive integer) sets one
// limit. A malformed value is an error naming the variable.
func FromEnv() (Limits, error) {
	return limitsFrom(os.Getenv)
}

// limitsFrom is FromEnv reading variables through getenv.
func limitsFrom(getenv func(string) string) (Limits, error) {
	l := DefaultLimits
	switch strings.ToLower(getenv(EnvOff)) {
	case "":
	case "off", "0", "none":
		l = NoLimits
	default:
		return l, fmt.Errorf("%s=%q: want off (or unset)", EnvOff, getenv(EnvOff))
	}
	for _, f := range limitFields {
		v, err := envPositive(getenv, EnvPrefix+f.env, 1<<31)
		if err != nil {
			return l, err
		}
		if v > 0 {
			*f.get(&l) = int(v)
		}
	}
	v, err := envPositive(getenv, EnvPrefix+"HEADER_BYTES", 1<<40)
	if err != nil {
		return l, err
	}
	if v > 0 {
		l.HeaderBytes = v
	}
	return l, nil
}

// envPositive reads a positive integer of at most max from the variable
// name; 0 when it is unset.
func envPositive(getenv func(string) string, name string, max int64) (int64, error) {
	s := getenv(name)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 || v > max {
		return 0, fmt.Errorf("%s=%q: want a positive integer of at most %d", name, s, max)
	}
	return v, nil
}

// activeLimits is FromEnv for the loaders: an invalid environment is an
// error of the load that needs it.
func activeLimits() (Limits, error) {
	l, err := FromEnv()
	if err != nil {
		return l, fmt.Errorf("model file limits: %w", err)
	}
	return l, nil
}

// check returns an error when v is outside [0, max]: it names the field, the
// value, the limit, and how to raise it.
func check(field string, v int64, max int, env string) error {
	if v < 0 {
		return fmt.Errorf("%s = %d must not be negative", field, v)
	}
	if v > int64(max) {
		return fmt.Errorf("%s = %d exceeds the limit of %d (a larger model can raise it with %s%s=<n>, or %s=off)", field, v, max, EnvPrefix, env, EnvOff)
	}
	return nil
}

// readLimited reads the file at path, refusing one larger than max bytes
// without reading it whole.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than the limit of %d bytes (%sHEADER_BYTES)", path, max, EnvPrefix)
	}
	return b, nil
}

// hint adds to an error of a safetensors file over its limits how to raise
// them.
func hint(err error) error {
	if errors.Is(err, safetensors.ErrLimit) {
		return fmt.Errorf("%w (a larger model can raise it with %sTENSORS=<n> or %sHEADER_BYTES=<n>, or %s=off)", err, EnvPrefix, EnvPrefix, EnvOff)
	}
	return err
}

// safetensors is the part of l that holds a safetensors header or index.
func (l Limits) safetensors() safetensors.Limits {
	return safetensors.Limits{HeaderBytes: l.HeaderBytes, Tensors: l.Tensors}
}
