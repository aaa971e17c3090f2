// Package tinytrain makes the small trainable models of the post-training
// tests: tinymodel.SmallConfig as train.Params, randomly initialised. It
// imports package train, which tinymodel does not (its importers, the
// command and server tests, need no trainer). Import it only from _test.go
// files.
package tinytrain

import (
	"testing"

	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/train"
)

// SmallParams returns a tinymodel.SmallConfig model with the embedded
// model's tokenizer's vocabulary and maxPos positions, its weights drawn
// from seed with std 0.05.
func SmallParams(tb testing.TB, maxPos int, seed uint64) *train.Params[float32] {
	tb.Helper()
	p, err := train.NewParams[float32](tinymodel.SmallConfig(tb, tinymodel.ShakespeareTokenizer(tb), maxPos))
	if err != nil {
		tb.Fatal(err)
	}
	train.InitParams(p, seed, 0.05)
	return p
}
