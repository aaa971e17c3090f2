// Package enginetest runs a batching engine for tests of the packages above
// it (guard, the herd command). The engine's own tests cannot import it.
// Import it only from _test.go files.
package enginetest

import (
	"context"
	"testing"

	"github.com/herd-llm/herd/engine"
)

// Run makes an engine for m with o and runs it until the test ends.
func Run(tb testing.TB, m engine.Model, o engine.Options) *engine.Engine {
	tb.Helper()
	eng, err := engine.New(m, o)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	go eng.Run(ctx)
	return eng
}
