package ggufwrite

import (
	"bytes"
	"testing"

	"github.com/herd-llm/herd/checkpoint/internal/progresstest"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

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
			if _, err := Write(&want, plain, Options{Type: mustFileType(t, tt.typ), Name: "tiny"}); err != nil {
				t.Fatal(err)
			}

			var calls []progresstest.Call
			prog := func(step string, done, total int64) {
				calls = append(calls, progresstest.Call{Step: step, Done: done, Total: total})
			}
			var buf bytes.Buffer
			if _, err := Write(&buf, m, Options{Type: mustFileType(t, tt.typ), Name: "tiny", Progress: prog}); err != nil {
				t.Fatal(err)
			}
			by := progresstest.Check(t, calls, "convert", "write")
			if got := by["convert"][0].Total; got != wantBytes {
				t.Errorf("convert total %d bytes, want the %d bytes of the matrices converted", got, wantBytes)
			}
			if got := len(by["convert"]); got != wantMats+1 {
				t.Errorf("%d convert calls, want %d (the start and one per matrix)", got, wantMats+1)
			}
			if got := by["write"][0].Total; got != int64(buf.Len()) {
				t.Errorf("write total %d bytes, the file has %d", got, buf.Len())
			}
			if !bytes.Equal(buf.Bytes(), want.Bytes()) {
				t.Errorf("the file written with Progress differs from the one without")
			}
		})
	}
}
