package checkpoint

// Test helpers: the tiny checkpoint (its goldens are read with
// internal/testmodel) and flag parsers.

import (
	"testing"

	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/model/llama4"
)

// tinyDir is the tiny golden checkpoint (testmodel.TinyName) in the
// repository's testdata/.
const tinyDir = "../testdata/llama4-tiny"

// loadTiny loads the tiny checkpoint's weights ("f32" or "bf16"), skipping
// the test when they are absent.
func loadTiny(t testing.TB, weights string) *llama4.Model {
	t.Helper()
	return testmodel.LoadTiny(t, weights, LoadHF)
}

// mustScheme parses a --quant name.
func mustScheme(t *testing.T, name string) Scheme {
	t.Helper()
	s, err := ParseScheme(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mustFileType parses a --type name.
func mustFileType(t *testing.T, name string) FileType {
	t.Helper()
	ft, err := ParseFileType(name)
	if err != nil {
		t.Fatal(err)
	}
	return ft
}
