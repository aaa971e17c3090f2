package checkpoint

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/herd-llm/herd/checkpoint/internal/progresstest"
)

func TestMeterConcurrent(t *testing.T) {
	tests := []struct {
		name         string
		workers, per int
		size         int64
	}{
		{"one worker", 1, 50, 3},
		{"eight workers", 8, 200, 7},
		{"empty step", 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []progresstest.Call
			total := int64(tt.workers*tt.per) * tt.size
			m := startMeter(func(s string, d, n int64) { calls = append(calls, progresstest.Call{Step: s, Done: d, Total: n}) }, "x", total)
			var wg sync.WaitGroup
			for range tt.workers {
				wg.Go(func() {
					for range tt.per {
						m.add(tt.size)
					}
				})
			}
			wg.Wait()
			m.finish()
			progresstest.Check(t, calls, "x")
			if want := 1 + tt.workers*tt.per; len(calls) != want {
				t.Errorf("%d calls, want %d", len(calls), want)
			}
		})
	}
	var nilMeter *meter
	nilMeter.add(1) // a nil meter counts nothing and does not panic
	nilMeter.finish()
	startMeter(nil, "x", 10).add(5)
}

func TestSaveHFProgress(t *testing.T) {
	for _, src := range []string{"f32", "bf16"} {
		t.Run(src, func(t *testing.T) {
			m := loadTiny(t, src)
			var calls []progresstest.Call
			dir := t.TempDir()
			if err := SaveHFProgress(m, dir, func(s string, d, n int64) { calls = append(calls, progresstest.Call{Step: s, Done: d, Total: n}) }); err != nil {
				t.Fatal(err)
			}
			by := progresstest.Check(t, calls, "write")
			st, err := os.Stat(filepath.Join(dir, "model.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			if got := by["write"][0].Total; got != st.Size() {
				t.Errorf("write total %d bytes, the file has %d", got, st.Size())
			}
			plain := t.TempDir()
			if err := SaveHF(loadTiny(t, src), plain); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(filepath.Join(dir, "model.safetensors"))
			b, _ := os.ReadFile(filepath.Join(plain, "model.safetensors"))
			if !bytes.Equal(a, b) {
				t.Error("the file written with Progress differs from the one without")
			}
		})
	}
}
