// Package testmodel holds the test fixtures that several packages' tests
// share: the paths of the tiny golden checkpoints in the repository's
// testdata/, readers for their golden files, and float comparisons. It
// imports only the standard library, so any package's tests (internal ones
// included) can use it; fixtures that need the model packages live in
// internal/testmodel/tinymodel. Import it only from _test.go files.
package testmodel

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	rootOnce sync.Once
	root     string
	rootErr  error
)

// Root returns the repository's root: the nearest folder above the working
// directory (a package's folder under go test) that holds go.mod.
func Root(tb testing.TB) string {
	tb.Helper()
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				root = dir
				return
			}
			up := filepath.Dir(dir)
			if up == dir {
				rootErr = os.ErrNotExist
				return
			}
			dir = up
		}
	})
	if rootErr != nil {
		tb.Fatalf("testmodel: no go.mod above the working directory: %v", rootErr)
	}
	return root
}

// Testdata returns the path of name inside the repository's testdata/.
func Testdata(tb testing.TB, name ...string) string {
	tb.Helper()
	return filepath.Join(append([]string{Root(tb), "testdata"}, name...)...)
}
