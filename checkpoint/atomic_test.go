package checkpoint

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRemoveStaleTemps: the temporary files of interrupted atomic writes
// are removed, and nothing else is.
func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	// A failed write cleans up after itself; a killed one cannot, so its
	// leftovers are made by hand below.
	boom := errors.New("boom")
	if err := WriteFileAtomic(filepath.Join(dir, "a.safetensors"), func(w io.Writer) error {
		w.Write([]byte("partial"))
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("WriteFileAtomic error %v, want %v", err, boom)
	}
	files := map[string]bool{ // name → stale temp
		".model.safetensors.tmp123456": true,
		".checkpoint.safetensors.tmp9": true,
		"model.safetensors":            false,
		".hidden":                      false,
		".x.tmp":                       false, // no CreateTemp suffix
		".x.tmpabc":                    false,
		"y.tmp42":                      false, // not hidden: not ours
		".tmp42":                       false,
	}
	for name := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".d.tmp1"), 0o755); err != nil { // a directory is left alone
		t.Fatal(err)
	}
	removed, err := RemoveStaleTemps(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for name, stale := range files {
		if stale {
			want = append(want, filepath.Join(dir, name))
		}
	}
	slices.Sort(want)
	slices.Sort(removed)
	if !slices.Equal(removed, want) {
		t.Fatalf("removed %q, want %q", removed, want)
	}
	for name, stale := range files {
		if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) == stale {
			t.Errorf("%s: exists %v after cleaning", name, err == nil)
		}
	}
	if _, err := RemoveStaleTemps(filepath.Join(dir, "missing")); err == nil {
		t.Error("no error for a missing directory")
	}
}
