package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLayoutRoundTrip writes a layout around a small executable, checks it
// is byte-for-byte reproducible, verifies it and runs the binary from the
// unpacked layer; then corrupts each blob and expects verification to fail.
func TestLayoutRoundTrip(t *testing.T) {
	exe := []byte("#!/bin/sh\necho \"image ran: $*\"\n")
	im := image{Binary: exe, Arch: "amd64", Tag: "test", Entrypoint: []string{"/herd"}, User: "65532:65532", Ports: []string{"8000/tcp"}}
	dir, dir2 := t.TempDir(), t.TempDir()
	w, err := writeLayout(dir, im)
	if err != nil {
		t.Fatal(err)
	}
	if w2, err := writeLayout(dir2, im); err != nil || w2.Digest != w.Digest || w2.Layer.Digest != w.Layer.Digest {
		t.Fatalf("not reproducible: %v vs %v (%v)", w, w2, err)
	}
	cfg, hdrs, files, err := verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OS != "linux" || cfg.Architecture != "amd64" || cfg.Config.User != "65532:65532" || len(hdrs) != 1 || !bytes.Equal(files["herd"], exe) || hdrs["herd"].Mode != 0o755 {
		t.Fatalf("config %+v, files %v", cfg, hdrs)
	}
	var out bytes.Buffer
	if err := verifyAndRun(dir, []string{"inspect"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "image ran: inspect\n" {
		t.Fatalf("output %q", out.String())
	}
	blobs, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", "*"))
	if len(blobs) != 3 {
		t.Fatalf("%d blobs, want layer, config, manifest", len(blobs))
	}
	for _, b := range blobs {
		orig, _ := os.ReadFile(b)
		os.WriteFile(b, append(bytes.Clone(orig), 0), 0o644)
		if _, _, _, err := verify(dir); err == nil || !strings.Contains(err.Error(), "descriptor says") {
			t.Errorf("corrupt %s: %v", filepath.Base(b), err)
		}
		os.WriteFile(b, orig, 0o644)
	}
}
