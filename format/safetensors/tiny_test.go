package safetensors

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// tinyDir is the llama4-tiny reference checkpoint in the repository's
// testdata, relative to this package.
const tinyDir = "../../testdata/llama4-tiny"

func TestLlama4Tiny(t *testing.T) {
	for _, tc := range []struct{ sub, dtype string }{{"f32", "F32"}, {"bf16", "BF16"}} {
		t.Run(tc.sub, func(t *testing.T) {
			path := filepath.Join(tinyDir, tc.sub, "model.safetensors")
			if _, err := os.Stat(path); err != nil {
				t.Skipf("llama4-tiny reference data not available (%v); it is expected at %s", err, path)
			}
			s, err := OpenDir(filepath.Dir(path))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			const name = "model.layers.1.feed_forward.experts.gate_up_proj"
			tn, err := s.Tensor(name)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tn.Shape, []int{4, 128, 512}) || tn.DType != tc.dtype {
				t.Errorf("%s: shape %v dtype %s, want [4 128 512] %s", name, tn.Shape, tn.DType, tc.dtype)
			}
			names := s.Names()
			if len(names) < 10 {
				t.Fatalf("only %d tensors", len(names))
			}
			for _, n := range names {
				info, err := s.Info(n)
				if err != nil {
					t.Fatal(err)
				}
				if info.DType != tc.dtype {
					t.Errorf("%s: dtype %s, want %s", n, info.DType, tc.dtype)
				}
			}
			v, err := tn.Float32s()
			if err != nil || len(v) != 4*128*512 {
				t.Fatalf("Float32s: %d values, %v", len(v), err)
			}
			nonzero := 0
			for _, x := range v {
				if x != 0 {
					nonzero++
				}
			}
			if nonzero < len(v)/2 {
				t.Errorf("only %d of %d values are non-zero", nonzero, len(v))
			}
		})
	}
}
