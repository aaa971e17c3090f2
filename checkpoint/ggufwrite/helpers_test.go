package ggufwrite

// Test helpers: the tiny checkpoint (its goldens are read with
// internal/testmodel) and the flag parsers.

import (
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// loadTiny loads the tiny checkpoint's weights ("f32" or "bf16"), skipping
// the test when they are absent.
func loadTiny(t testing.TB, weights string) *llama4.Model {
	t.Helper()
	return testmodel.LoadTiny(t, weights, checkpoint.LoadHF)
}

// mustFileType parses a --type name, failing the test on error.
func mustFileType(t testing.TB, name string) FileType {
	t.Helper()
	ft, err := ParseFileType(name)
	if err != nil {
		t.Fatal(err)
	}
	return ft
}

// mustScheme parses a --quant name, failing the test on error.
func mustScheme(t testing.TB, name string) checkpoint.Scheme {
	t.Helper()
	s, err := checkpoint.ParseScheme(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// convertOne is x converted to t by checkpoint.ConvertMats (the
// quantizer of Quantize for block types).
func convertOne(t testing.TB, x *tensor.Mat, dt tensor.DType) *tensor.Mat {
	t.Helper()
	if err := checkpoint.ConvertMats([]checkpoint.ConvertJob{{P: &x, DType: dt}}, nil); err != nil {
		t.Fatal(err)
	}
	return x
}
