package ckpt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
)

func TestCheckRunShape(t *testing.T) {
	cases := []struct {
		name                             string
		steps, batch, seq, accum, warmup int
		lr, minLR, beta1, beta2, eps     float64
		want                             string // error substring; "" = valid
	}{
		{"valid", 10, 2, 8, 1, 2, 1e-3, 1e-4, 0.9, 0.95, 1e-8, ""},
		{"no steps", 0, 2, 8, 1, 0, 1e-3, 1e-4, 0.9, 0.95, 1e-8, "steps 0 must be positive"},
		{"zero accum", 10, 2, 8, 0, 2, 1e-3, 1e-4, 0.9, 0.95, 1e-8, "accumulation 0 must be positive"},
		{"min above lr", 10, 2, 8, 1, 2, 1e-3, 1e-2, 0.9, 0.95, 1e-8, "min-lr 0.01 ≤ lr 0.001"},
		{"long warmup", 10, 2, 8, 1, 11, 1e-3, 1e-4, 0.9, 0.95, 1e-8, "warmup 11 must be in [0, steps 10]"},
		{"beta one", 10, 2, 8, 1, 2, 1e-3, 1e-4, 1, 0.95, 1e-8, "betas in [0, 1)"},
		{"zero eps", 10, 2, 8, 1, 2, 1e-3, 1e-4, 0.9, 0.95, 0, "eps > 0"},
	}
	for _, c := range cases {
		err := CheckRunShape(c.steps, c.batch, c.seq, c.accum, c.warmup, c.lr, c.minLR, c.beta1, c.beta2, c.eps)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	for dt, ok := range map[string]bool{"": true, "float32": true, "bfloat16": true, "float16": true, "int8": false} {
		if err := CheckExportDType(dt); (err == nil) != ok {
			t.Errorf("export dtype %q: %v", dt, err)
		}
	}
}

func TestStateMetaRoundTrip(t *testing.T) {
	cfg, err := checkpoint.PresetConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	type opts struct{ Steps int }
	meta, err := StateMeta("herd-test-v1", cfg, opts{Steps: 7})
	if err != nil {
		t.Fatal(err)
	}
	if meta["format"] != "herd-test-v1" {
		t.Errorf("format %q", meta["format"])
	}
	var o opts
	got, err := ParseStateMeta(meta, &o)
	if err != nil {
		t.Fatal(err)
	}
	cj, err := checkpoint.ConfigJSON(got)
	if err != nil {
		t.Fatal(err)
	}
	if o.Steps != 7 || string(cj) != meta["config"] {
		t.Errorf("round trip: options %+v, config %s; want steps 7 and %s", o, cj, meta["config"])
	}
	for _, k := range []string{"config", "options"} {
		bad := map[string]string{"config": meta["config"], "options": meta["options"]}
		bad[k] = "{"
		if _, err := ParseStateMeta(bad, &o); err == nil || !strings.HasPrefix(err.Error(), k+":") {
			t.Errorf("bad %s: %v, want an error naming it", k, err)
		}
	}
}

func TestFileExistsAndOpen(t *testing.T) {
	dir := t.TempDir()
	if FileExists(dir, "x.safetensors") {
		t.Error("missing file reported present")
	}
	if _, err := Open(filepath.Join(dir, "x.safetensors"), "f", "a test checkpoint"); err == nil {
		t.Error("open of a missing file: no error")
	}
	// A header-only safetensors file with another format.
	hdr := `{"__metadata__":{"format":"other"}}`
	b := append([]byte{byte(len(hdr)), 0, 0, 0, 0, 0, 0, 0}, hdr...)
	if err := os.WriteFile(filepath.Join(dir, "x.safetensors"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if !FileExists(dir, "x.safetensors") {
		t.Error("present file reported missing")
	}
	_, err := Open(filepath.Join(dir, "x.safetensors"), "f", "a test checkpoint")
	if err == nil || !strings.Contains(err.Error(), `not a test checkpoint (format "other")`) {
		t.Errorf("wrong format: %v", err)
	}
}
