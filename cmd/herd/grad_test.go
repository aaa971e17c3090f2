package main

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/internal/cli"
)

// The training reference (base part), copied into train/testdata.
const trainRef = "../../train/testdata"

func needTrainRef(t *testing.T) {
	t.Helper()
	needTiny(t)
	if _, err := os.Stat(filepath.Join(trainRef, "grads.safetensors")); err != nil {
		t.Skipf("training reference absent: %v", err)
	}
}

func readF32Tensors(t *testing.T, path string) map[string][]float32 {
	t.Helper()
	set, err := safetensors.OpenDir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	out := map[string][]float32{}
	for _, n := range set.Names() {
		tt, err := set.Tensor(n)
		if err != nil {
			t.Fatal(err)
		}
		if out[n], err = tt.Float32s(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestGradMatchesReference runs `herd grad` on the reference batch and
// compares the loss, every gradient (1e-4 relative to the tensor's largest
// entry) and the AdamW step (1e-6 where |g| ≥ 1e-6) with upstream PyTorch.
func TestGradMatchesReference(t *testing.T) {
	needTrainRef(t)
	dir := t.TempDir()
	gradOut, adamOut := filepath.Join(dir, "g.safetensors"), filepath.Join(dir, "p.safetensors")
	var out, errb bytes.Buffer
	err := cmdGrad([]string{"-m", tiny + "/f32", "--batch", trainRef + "/batch.json", "-o", gradOut,
		"--adamw-out", adamOut, "--lr", "1e-3", "--wd", "0.1"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	fields := strings.Fields(out.String())
	if len(fields) < 2 || fields[0] != "loss" {
		t.Fatalf("stdout %q", out.String())
	}
	loss, err := strconv.ParseFloat(fields[1], 64)
	if err != nil || math.Abs(loss-6.82680082321167) > 1e-5 {
		t.Fatalf("loss %q, reference 6.82680082321167", fields[1])
	}
	got, want := readF32Tensors(t, gradOut), readF32Tensors(t, trainRef+"/grads.safetensors")
	if len(got) != len(want) || len(got) != 45 {
		t.Fatalf("%d gradient tensors, reference %d", len(got), len(want))
	}
	for name, w := range want {
		g := got[name]
		if len(g) != len(w) {
			t.Fatalf("%s: %d values, reference %d", name, len(g), len(w))
		}
		var d, m float64
		for i := range w {
			d = math.Max(d, math.Abs(float64(g[i]-w[i])))
			m = math.Max(m, math.Abs(float64(w[i])))
		}
		if d > 1e-4*m {
			t.Errorf("%s: max |Δg| %.3g, max |g| %.3g", name, d, m)
		}
	}
	up, wantUp := readF32Tensors(t, adamOut), readF32Tensors(t, trainRef+"/updated_params.safetensors")
	for name, w := range wantUp {
		for i := range w {
			if math.Abs(float64(want[name][i])) >= 1e-6 && math.Abs(float64(up[name][i]-w[i])) > 1e-6 {
				t.Fatalf("%s[%d]: %v after AdamW, reference %v", name, i, up[name][i], w[i])
			}
		}
	}
}

func TestGradUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"-m", "x"}, {"--batch", "b.json"}, {"-m", "x", "--batch", "b", "--lr", "0"}} {
		var ue cli.UsageError
		if err := cmdGrad(args, &bytes.Buffer{}, &bytes.Buffer{}); !errors.As(err, &ue) {
			t.Errorf("%v: error %v, want a usage error", args, err)
		}
	}
}
