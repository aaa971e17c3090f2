package dataset

import (
	"strings"
	"testing"
)

// FuzzReadBatchJSON feeds ReadBatchJSON (herd grad --batch) arbitrary
// input: it returns a consistent batch or an error, never panics.
func FuzzReadBatchJSON(f *testing.F) {
	for _, s := range []string{
		`{"input_ids": [[1, 2, 3]], "targets": [[2, 3, -100]]}`,
		`{"input_ids": [[1, 2], [3, 4]], "targets": [[2, -100], [4, 5]], "labels_hf": [[0]]}`,
		`{"input_ids": [[1, 2], [3]], "targets": [[2, 3], [4]]}`,
		`{"input_ids": [], "targets": []}`, `{"input_ids": [[1]]}`, `{"input_ids": [[1e10]], "targets": [[1]]}`, `[`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ReadBatchJSON(strings.NewReader(s))
		if err != nil {
			return
		}
		if b.B <= 0 || b.T <= 0 || len(b.Inputs) != b.B*b.T || len(b.Targets) != b.B*b.T {
			t.Fatalf("inconsistent batch B=%d T=%d with %d inputs and %d targets from %q", b.B, b.T, len(b.Inputs), len(b.Targets), s)
		}
	})
}
