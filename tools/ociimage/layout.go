package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// OCI media types (image-spec v1.1).
const (
	mediaIndex    = "application/vnd.oci.image.index.v1+json"
	mediaManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaConfig   = "application/vnd.oci.image.config.v1+json"
	mediaLayer    = "application/vnd.oci.image.layer.v1.tar+gzip"
	binaryPath    = "herd" // in the layer: /herd
)

// image is what goes into the layout.
type image struct {
	Binary     []byte // the static executable, stored as /herd
	Arch, Tag  string
	Entrypoint []string
	Cmd        []string
	User       string
	Ports      []string // "8000/tcp"
}

// descriptor points at a blob by digest.
type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *platform         `json:"platform,omitempty"`
}

type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

type manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        descriptor   `json:"config"`
	Layers        []descriptor `json:"layers"`
}

type index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

type imageConfig struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Config       struct {
		Entrypoint   []string            `json:"Entrypoint,omitempty"`
		Cmd          []string            `json:"Cmd,omitempty"`
		User         string              `json:"User,omitempty"`
		ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	} `json:"config"`
	RootFS struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
}

// written describes the layout's manifest and its layer.
type written struct {
	Digest string
	Layer  descriptor
}

// epoch is every file's time, so the same binary gives the same digests.
var epoch = time.Unix(0, 0).UTC()

func digest(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

// layer makes the gzipped tar holding the binary at /herd (mode 0755,
// owned by root, readable by the image's non-root user), and returns it
// with the digest of the uncompressed tar (the config's diff_id).
func layer(exe []byte) (gz []byte, diffID string, err error) {
	var t bytes.Buffer
	tw := tar.NewWriter(&t)
	if err := tw.WriteHeader(&tar.Header{Name: binaryPath, Mode: 0o755, Size: int64(len(exe)), ModTime: epoch, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return nil, "", err
	}
	if _, err := tw.Write(exe); err != nil {
		return nil, "", err
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.ModTime = epoch
	if _, err := zw.Write(t.Bytes()); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	return z.Bytes(), digest(t.Bytes()), nil
}

// writeLayout writes dir/oci-layout, dir/index.json and the blobs.
func writeLayout(dir string, im image) (written, error) {
	gz, diffID, err := layer(im.Binary)
	if err != nil {
		return written{}, err
	}
	var cfg imageConfig
	cfg.Architecture, cfg.OS = im.Arch, "linux"
	cfg.Config.Entrypoint, cfg.Config.Cmd, cfg.Config.User = im.Entrypoint, im.Cmd, im.User
	if len(im.Ports) > 0 {
		cfg.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range im.Ports {
			cfg.Config.ExposedPorts[p] = struct{}{}
		}
	}
	cfg.RootFS.Type, cfg.RootFS.DiffIDs = "layers", []string{diffID}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return written{}, err
	}
	ld := descriptor{MediaType: mediaLayer, Digest: digest(gz), Size: int64(len(gz))}
	man, err := json.Marshal(manifest{SchemaVersion: 2, MediaType: mediaManifest,
		Config: descriptor{MediaType: mediaConfig, Digest: digest(cfgJSON), Size: int64(len(cfgJSON))}, Layers: []descriptor{ld}})
	if err != nil {
		return written{}, err
	}
	idx, err := json.MarshalIndent(index{SchemaVersion: 2, MediaType: mediaIndex, Manifests: []descriptor{{
		MediaType: mediaManifest, Digest: digest(man), Size: int64(len(man)),
		Annotations: map[string]string{"org.opencontainers.image.ref.name": im.Tag},
		Platform:    &platform{Architecture: im.Arch, OS: "linux"}}}}, "", "  ")
	if err != nil {
		return written{}, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return written{}, err
	}
	for _, b := range [][]byte{gz, cfgJSON, man} {
		if err := os.WriteFile(blobPath(dir, digest(b)), b, 0o644); err != nil {
			return written{}, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`+"\n"), 0o644); err != nil {
		return written{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), append(idx, '\n'), 0o644); err != nil {
		return written{}, err
	}
	return written{Digest: digest(man), Layer: ld}, nil
}

func blobPath(dir, d string) string {
	return filepath.Join(dir, "blobs", "sha256", d[len("sha256:"):])
}
