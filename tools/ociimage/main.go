// Command ociimage builds herd's container image without Docker: it
// compiles a static binary (CGO_ENABLED=0) and writes an OCI image layout
// (https://github.com/opencontainers/image-spec, layout 1.0.0) whose one
// layer holds /herd and nothing else (an empty base, no shell, no libc).
// The image runs as user 65532 with /herd as its entrypoint.
//
//	go run ./tools/ociimage -o herd-oci                     # build the layout
//	go run ./tools/ociimage -check herd-oci -- inspect      # unpack it, run /herd inspect
//
// Push the layout with any OCI tool, e.g. `skopeo copy oci:herd-oci:latest
// docker://REGISTRY/herd:latest` or `crane push herd-oci REGISTRY/herd`.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

func main() {
	out := flag.String("o", "herd-oci", "directory to write the OCI image layout to")
	pkg := flag.String("pkg", "./cmd/herd", "Go package to build")
	bin := flag.String("bin", "", "use this already built static binary instead of building -pkg")
	arch := flag.String("arch", runtime.GOARCH, "GOARCH of the image")
	tag := flag.String("tag", "latest", "the image's name in the layout's index (org.opencontainers.image.ref.name)")
	check := flag.String("check", "", "instead of building: verify this layout's digests, unpack its layer and run the binary with the remaining arguments")
	flag.Parse()
	var err error
	if *check != "" {
		err = verifyAndRun(*check, flag.Args(), os.Stdout, os.Stderr)
	} else {
		err = build(*out, *pkg, *bin, *arch, *tag)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ociimage:", err)
		os.Exit(1)
	}
}

func build(out, pkg, bin, arch, tag string) error {
	if bin == "" {
		tmp, err := os.MkdirTemp("", "ociimage")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		bin = filepath.Join(tmp, "herd")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", pkg, err)
		}
	}
	exe, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	m, err := writeLayout(out, image{Binary: exe, Arch: arch, Tag: tag,
		Entrypoint: []string{"/herd"}, Cmd: []string{"serve", "--addr=0.0.0.0:8000"}, User: "65532:65532", Ports: []string{"8000/tcp", "5557/tcp", "5558/tcp"}})
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s: manifest %s, layer %s (%d bytes compressed)\n", out, m.Digest, m.Layer.Digest, m.Layer.Size)
	return nil
}
