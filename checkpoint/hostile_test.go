package checkpoint

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/herd-llm/herd/format/gguf"
)

// The tiny model and llama.cpp file the hostile files are made from.
const (
	hostileTinyDir  = "../testdata/llama4-tiny/f32"
	hostileTinyGGUF = "../testdata/gguf/llama.cpp-tiny-f32.gguf"
)

// hostileCase is a crafted model file and what Inspect must say about it.
type hostileCase struct {
	name string
	make func(t *testing.T) string // returns the path to inspect
	want []string                  // substrings of the error
}

// hostileCases are the files of the "hostile input" issue: each must end in
// a clear error, quickly, with little memory.
func hostileCases() []hostileCase {
	return []hostileCase{
		{"gguf block_count 2^31", ggufWith(gguf.KVUint32("llama4.block_count", 1<<31)),
			[]string{"llama4.block_count = 2147483648", "limit of 1024", "HERD_MAX_LAYERS"}},
		{"gguf expert_count 2^31", ggufWith(gguf.KVUint32("llama4.expert_count", 1<<31)),
			[]string{"llama4.expert_count = 2147483648", "limit of 1024"}},
		{"gguf vocab_size 2^31", ggufWith(gguf.KVUint32("llama4.vocab_size", 1<<31)),
			[]string{"vocabulary size = 2147483648", "limit of 16777216"}},
		{"config num_hidden_layers 2^40", configWith("num_hidden_layers", 1<<40),
			[]string{"num_hidden_layers = 1099511627776", "limit of 1024"}},
		{"config num_hidden_layers 2^30", configWith("num_hidden_layers", 1<<30),
			[]string{"num_hidden_layers = 1073741824", "limit of 1024"}},
		{"config num_local_experts 2^36", configWith("num_local_experts", 1<<36),
			[]string{"num_local_experts = 68719476736", "limit of 1024", "HERD_MAX_EXPERTS"}},
		{"config vocab_size 2^42", configWith("vocab_size", 1<<42),
			[]string{"vocab_size = 4398046511104", "limit of 16777216"}},
		{"config eos_token_id 2^40", configWith("eos_token_id", 1<<40),
			[]string{"eos_token_id[0] = 1099511627776", "outside the vocabulary"}},
		{"config bos_token_id -1", configWith("bos_token_id", -1),
			[]string{"bos_token_id = -1", "outside the vocabulary"}},
		{"config hidden_size 2^40", configWith("hidden_size", 1<<40),
			[]string{"hidden_size = 1099511627776", "limit of 131072"}},
		{"safetensors million tensors", millionTensors,
			[]string{"1000000 or more tensors", "limit of 131072", "HERD_MAX_TENSORS"}},
		{"safetensors header length beyond file", headerBeyondFile,
			[]string{"header length 1099511627776", "exceeds the limit of 67108864 bytes", "HERD_MAX_HEADER_BYTES"}},
		{"safetensors truncated", truncatedShard,
			[]string{"end past the data section"}},
		{"safetensors overlapping", overlappingShard,
			[]string{"overlap"}},
		{"safetensors shape vs config", configWith("intermediate_size_mlp", 640),
			[]string{"has shape [512 128], config implies [640 128]"}},
	}
}

// TestInspectHostileFiles: every crafted file ends in an error naming the
// field, the value and the limit, well within 10 s.
func TestInspectHostileFiles(t *testing.T) {
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.make(t)
			start := time.Now()
			r, err := Inspect(path)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
			if err == nil {
				t.Fatalf("no error; report %+v", r)
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestInspectTinyReport: the tiny checkpoints pass and are reported.
func TestInspectTinyReport(t *testing.T) {
	for _, tc := range []struct {
		path, format, dtype string
		tensors             int
	}{
		{hostileTinyDir, "safetensors", "F32", 45},
		{hostileTinyGGUF, "gguf", "F32", 47},
	} {
		requireFile(t, tc.path)
		r, err := Inspect(tc.path)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if r.Format != tc.format || len(r.Files) != 1 || r.Tensors != tc.tensors || len(r.DTypes) != 1 || r.DTypes[0].DType != tc.dtype || r.DTypes[0].Bytes != r.Bytes || r.Bytes <= 0 {
			t.Errorf("%s: report %+v", tc.path, r)
		}
	}
}

// requireFile skips the test when the testdata file is absent.
func requireFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("testdata absent: %v", err)
	}
}
