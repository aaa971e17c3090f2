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

// mustParse parses a flag value with parse, failing the test on error.
func mustParse[T any](t testing.TB, parse func(string) (T, error), name string) T {
	t.Helper()
	v, err := parse(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// mustScheme parses a --quant name.
func mustScheme(t testing.TB, name string) Scheme {
	t.Helper()
	return mustParse(t, ParseScheme, name)
}
