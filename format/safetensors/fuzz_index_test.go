package safetensors

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseIndex checks that parseIndex never panics and that what it
// accepts is safe to open: at most Tensors entries, every shard a local
// path (no absolute path, no ".." element; a name such as "..0" is an
// ordinary file), cleaned.
func FuzzParseIndex(f *testing.F) {
	f.Add([]byte(`{"metadata":{"total_size":16},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}`))
	f.Add([]byte(`{"weight_map":{"a":"../secret.safetensors"}}`))
	f.Add([]byte(`{"weight_map":{"a":"/etc/passwd"}}`))
	f.Add([]byte(`{"weight_map":{"a":"x.safetensors","a":"y.safetensors"}}`))
	f.Add([]byte(`{"weight_map":{}}`))
	f.Add([]byte(`{"weight_map":{"a":"sub/./x.safetensors"}} trailing`))
	lim := Limits{HeaderBytes: 1 << 20, Tensors: 8}
	f.Fuzz(func(t *testing.T, b []byte) {
		wm, err := parseIndex(b, lim)
		if err != nil {
			if wm != nil {
				t.Fatal("a weight map with an error")
			}
			return
		}
		if len(wm) == 0 || len(wm) > lim.Tensors {
			t.Fatalf("%d entries accepted", len(wm))
		}
		for name, shard := range wm {
			if !filepath.IsLocal(shard) || filepath.Clean(shard) != shard || shard == ".." || strings.HasPrefix(shard, "../") {
				t.Fatalf("tensor %q maps to %q", name, shard)
			}
		}
	})
}
