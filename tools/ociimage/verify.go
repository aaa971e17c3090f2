package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// readBlob reads a blob and checks its digest and size against d.
func readBlob(dir string, d descriptor) ([]byte, error) {
	if !strings.HasPrefix(d.Digest, "sha256:") || len(d.Digest) != len("sha256:")+64 || strings.ContainsAny(d.Digest[7:], "/.") {
		return nil, fmt.Errorf("descriptor digest %q is not sha256:<64 hex>", d.Digest)
	}
	b, err := os.ReadFile(blobPath(dir, d.Digest))
	if err != nil {
		return nil, err
	}
	if digest(b) != d.Digest || int64(len(b)) != d.Size {
		return nil, fmt.Errorf("blob %s: content is %s, %d bytes; descriptor says %d bytes", d.Digest, digest(b), len(b), d.Size)
	}
	return b, nil
}

// verify checks a layout the way a registry client would (layout version,
// index, manifest, config and layer digests, the config's diff_id) and
// returns the image config and the files of its single layer.
func verify(dir string) (imageConfig, map[string]*tar.Header, map[string][]byte, error) {
	var cfg imageConfig
	fail := func(err error) (imageConfig, map[string]*tar.Header, map[string][]byte, error) {
		return cfg, nil, nil, err
	}
	lay, err := os.ReadFile(filepath.Join(dir, "oci-layout"))
	if err != nil {
		return fail(err)
	}
	var l struct{ ImageLayoutVersion string }
	if json.Unmarshal(lay, &l) != nil || l.ImageLayoutVersion != "1.0.0" {
		return fail(fmt.Errorf("oci-layout %q: want imageLayoutVersion 1.0.0", lay))
	}
	ib, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return fail(err)
	}
	var idx index
	if err := json.Unmarshal(ib, &idx); err != nil || idx.SchemaVersion != 2 || len(idx.Manifests) != 1 || idx.Manifests[0].MediaType != mediaManifest {
		return fail(fmt.Errorf("index.json: want one image manifest (%v)", err))
	}
	mb, err := readBlob(dir, idx.Manifests[0])
	if err != nil {
		return fail(err)
	}
	var m manifest
	if err := json.Unmarshal(mb, &m); err != nil || m.Config.MediaType != mediaConfig || len(m.Layers) != 1 || m.Layers[0].MediaType != mediaLayer {
		return fail(fmt.Errorf("manifest: want a config and one gzip layer (%v)", err))
	}
	cb, err := readBlob(dir, m.Config)
	if err != nil {
		return fail(err)
	}
	if err := json.Unmarshal(cb, &cfg); err != nil {
		return fail(fmt.Errorf("config: %w", err))
	}
	gz, err := readBlob(dir, m.Layers[0])
	if err != nil {
		return fail(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return fail(err)
	}
	t, err := io.ReadAll(zr)
	if err != nil {
		return fail(err)
	}
	if len(cfg.RootFS.DiffIDs) != 1 || cfg.RootFS.DiffIDs[0] != digest(t) {
		return fail(fmt.Errorf("config diff_ids %v, layer's uncompressed digest %s", cfg.RootFS.DiffIDs, digest(t)))
	}
	hdrs, files := map[string]*tar.Header{}, map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(t))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fail(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return fail(err)
		}
		hdrs[h.Name], files[h.Name] = h, b
	}
	return cfg, hdrs, files, nil
}

// verifyAndRun verifies the layout, writes the entrypoint binary from its
// layer to a temporary directory and runs it with args.
func verifyAndRun(dir string, args []string, stdout, stderr io.Writer) error {
	cfg, hdrs, files, err := verify(dir)
	if err != nil {
		return err
	}
	if len(cfg.Config.Entrypoint) != 1 {
		return fmt.Errorf("entrypoint %q: want one path", cfg.Config.Entrypoint)
	}
	name := strings.TrimPrefix(cfg.Config.Entrypoint[0], "/")
	h, ok := hdrs[name]
	if !ok || h.Mode&0o111 == 0 {
		return fmt.Errorf("entrypoint %s is not an executable file in the layer", cfg.Config.Entrypoint[0])
	}
	tmp, err := os.MkdirTemp("", "ociimage-run")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	exe := filepath.Join(tmp, filepath.Base(name))
	if err := os.WriteFile(exe, files[name], 0o755); err != nil {
		return err
	}
	cmd := exec.Command(exe, args...)
	cmd.Dir, cmd.Env = tmp, []string{} // an empty image: no environment, nothing beside the binary
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("running %s %v from the image: %w", cfg.Config.Entrypoint[0], args, err)
	}
	return nil
}
