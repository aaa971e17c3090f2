package attention

import (
	"testing"

	"github.com/herd-llm/herd/kernels"
)

// implCase is one kernel implementation the tests run: a family name as
// kernels.Impl reports it.
type implCase struct {
	name     string
	portable bool
}

// impls lists the implementations this machine can run (kernels.Families).
func impls() []implCase {
	var r []implCase
	for _, name := range kernels.Families() {
		r = append(r, implCase{name, name == "portable"})
	}
	return r
}

// selectImpl selects c through package kernels's family gate.
func selectImpl(t testing.TB, c implCase) {
	if err := kernels.LimitFamily(c.name); err != nil {
		t.Fatal(err)
	}
	if kernels.Impl() != c.name {
		t.Fatalf("kernels.Impl() = %q, want %q", kernels.Impl(), c.name)
	}
}

// useImpl selects c for the rest of the test.
func useImpl(t testing.TB, c implCase) {
	t.Cleanup(kernels.SaveFamily())
	selectImpl(t, c)
}

// withImpl runs f with the implementation c selected, then restores the
// previous selection.
func withImpl(t *testing.T, c implCase, f func()) {
	defer kernels.SaveFamily()()
	selectImpl(t, c)
	f()
}
