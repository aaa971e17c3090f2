package checkpoint

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// progressCall is one call of a Progress.
type progressCall struct {
	step        string
	done, total int64
}

// checkSteps checks the calls of each step in steps: consecutive, the first
// at 0, done never decreasing, one total, the last at the total; and
// returns each step's calls.
func checkSteps(t *testing.T, calls []progressCall, steps ...string) map[string][]progressCall {
	t.Helper()
	by := map[string][]progressCall{}
	i := 0
	for _, s := range steps {
		for i < len(calls) && calls[i].step == s {
			by[s] = append(by[s], calls[i])
			i++
		}
		cs := by[s]
		if len(cs) == 0 {
			t.Fatalf("no %q calls in %v", s, calls)
		}
		if cs[0].done != 0 {
			t.Errorf("%s: first call at %d, want 0", s, cs[0].done)
		}
		for j, c := range cs {
			if c.total != cs[0].total {
				t.Errorf("%s: call %d has total %d, the first %d", s, j, c.total, cs[0].total)
			}
			if j > 0 && c.done < cs[j-1].done {
				t.Errorf("%s: call %d went back from %d to %d", s, j, cs[j-1].done, c.done)
			}
		}
		if last := cs[len(cs)-1]; last.done != last.total {
			t.Errorf("%s: last call at %d of %d", s, last.done, last.total)
		}
	}
	if i != len(calls) {
		t.Errorf("calls after the steps %v: %v", steps, calls[i:])
	}
	return by
}

func TestWriteGGUFProgress(t *testing.T) {
	tests := []struct {
		src, typ string
		routers  bool // whether the routers are part of the "convert" step
	}{
		{"f32", "f32", true},
		{"f32", "bf16", true},
		{"bf16", "f16", true},
		{"f32", "q8_0", false}, // Quantize's matrices: all but the routers
		{"f32", "q4_k_m", true},
	}
	for _, tt := range tests {
		t.Run(tt.src+"→"+tt.typ, func(t *testing.T) {
			plain := loadTiny(t, tt.src)
			m := loadTiny(t, tt.src)
			var wantBytes int64
			wantMats := 0
			m.Weights.ForEachMat(m.Config, func(s llama4.Slot, p **tensor.Mat) error {
				if tt.routers || s.Role != llama4.RoleRouter {
					wantBytes += int64(len((*p).Data))
					wantMats++
				}
				return nil
			})
			var want bytes.Buffer
			if _, err := WriteGGUF(&want, plain, GGUFOptions{Type: mustFileType(t, tt.typ), Name: "tiny"}); err != nil {
				t.Fatal(err)
			}

			var calls []progressCall
			prog := func(step string, done, total int64) { calls = append(calls, progressCall{step, done, total}) }
			var buf bytes.Buffer
			if _, err := WriteGGUF(&buf, m, GGUFOptions{Type: mustFileType(t, tt.typ), Name: "tiny", Progress: prog}); err != nil {
				t.Fatal(err)
			}
			by := checkSteps(t, calls, "convert", "write")
			if got := by["convert"][0].total; got != wantBytes {
				t.Errorf("convert total %d bytes, want the %d bytes of the matrices converted", got, wantBytes)
			}
			if got := len(by["convert"]); got != wantMats+1 {
				t.Errorf("%d convert calls, want %d (the start and one per matrix)", got, wantMats+1)
			}
			if got := by["write"][0].total; got != int64(buf.Len()) {
				t.Errorf("write total %d bytes, the file has %d", got, buf.Len())
			}
			if !bytes.Equal(buf.Bytes(), want.Bytes()) {
				t.Errorf("the file written with Progress differs from the one without")
			}
		})
	}
}

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
			var calls []progressCall
			total := int64(tt.workers*tt.per) * tt.size
			m := startMeter(func(s string, d, n int64) { calls = append(calls, progressCall{s, d, n}) }, "x", total)
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
			checkSteps(t, calls, "x")
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
			var calls []progressCall
			dir := t.TempDir()
			if err := SaveHFProgress(m, dir, func(s string, d, n int64) { calls = append(calls, progressCall{s, d, n}) }); err != nil {
				t.Fatal(err)
			}
			by := checkSteps(t, calls, "write")
			st, err := os.Stat(filepath.Join(dir, "model.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			if got := by["write"][0].total; got != st.Size() {
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
