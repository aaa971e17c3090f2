package lockedbuf

import (
	"strings"
	"sync"
	"testing"
)

// TestConcurrentWrites: writes from several goroutines, read while they
// run, all arrive whole.
func TestConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				b.Write([]byte("ab"))
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if b.Len() != 800 || b.String() != strings.Repeat("ab", 400) {
		t.Fatalf("len %d, %q…", b.Len(), b.String()[:min(b.Len(), 20)])
	}
}
