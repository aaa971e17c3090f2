package hub

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/herd-llm/herd/hub/hubtest"
)

const tinyRepo = "herd-test/llama4-tiny"

// newTest starts the fake hub over testdata/hub and a client for it with an
// empty cache.
func newTest(t *testing.T) (*hubtest.Server, *Client) {
	t.Helper()
	srv := hubtest.NewServer(t, filepath.Join("..", "testdata", "hub"))
	t.Setenv("HF_HUB_OFFLINE", "")
	return srv, &Client{Endpoint: srv.URL, CacheDir: t.TempDir()}
}

func pull(t *testing.T, c *Client, name string) (string, error) {
	t.Helper()
	ref, err := ParseRef(name)
	if err != nil {
		t.Fatal(err)
	}
	return c.Pull(context.Background(), ref, "")
}

// The files a pull of the tiny safetensors repository takes.
var tinyFiles = []string{"config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}

func TestPullFull(t *testing.T) {
	srv, c := newTest(t)
	var prog bytes.Buffer
	c.Progress = &prog
	got, err := pull(t, c, tinyRepo)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(c.CacheDir, "models--herd-test--llama4-tiny")
	commit := srv.Commit(tinyRepo)
	if want := filepath.Join(dir, "snapshots", commit); got != want {
		t.Fatalf("path %s, want %s", got, want)
	}
	names := dirNames(t, got)
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(got, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, srv.Data(tinyRepo, name)) {
			t.Errorf("%s: content differs from the hub's", name)
		}
		dest, err := os.Readlink(filepath.Join(got, name))
		if err != nil || !strings.HasPrefix(dest, filepath.Join("..", "..", "blobs")+string(filepath.Separator)) {
			t.Errorf("%s: want a relative symlink to ../../blobs/, got %q (%v)", name, dest, err)
		}
	}
	if !slices.Equal(names, tinyFiles) {
		t.Errorf("snapshot has %v, want %v", names, tinyFiles)
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs", srv.SHA256(tinyRepo, "model.safetensors"))); err != nil {
		t.Errorf("LFS blob not named by its sha256: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "refs", "main")); err != nil || string(b) != commit {
		t.Errorf("refs/main = %q (%v), want %s", b, err, commit)
	}
	if api, files := srv.Counts(); api != 1 || files != len(tinyFiles) {
		t.Errorf("%d API and %d file requests, want 1 and %d", api, files, len(tinyFiles))
	}
	if !strings.Contains(prog.String(), "100%") {
		t.Errorf("progress never reached 100%%: %q", prog.String())
	}

	// A second pull finds everything in the cache.
	if _, err := pull(t, c, tinyRepo); err != nil {
		t.Fatal(err)
	}
	if api, files := srv.Counts(); api != 2 || files != len(tinyFiles) {
		t.Errorf("after a second pull: %d API and %d file requests, want 2 and %d", api, files, len(tinyFiles))
	}
}

func TestPullResume(t *testing.T) {
	srv, c := newTest(t)
	data := srv.Data(tinyRepo, "model.safetensors")
	blobs := filepath.Join(c.CacheDir, "models--herd-test--llama4-tiny", "blobs")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	const have = 123457
	tmp := filepath.Join(blobs, srv.SHA256(tinyRepo, "model.safetensors")+".incomplete")
	if err := os.WriteFile(tmp, data[:have], 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := pull(t, c, tinyRepo+":model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Ranges(); !slices.Equal(got, []string{"bytes=123457-"}) {
		t.Errorf("Range headers %q, want one bytes=123457-", got)
	}
	if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, data) {
		t.Errorf("resumed file differs (%v)", err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".incomplete left behind: %v", err)
	}
}

func TestPullResumeAfterBreak(t *testing.T) {
	srv, c := newTest(t)
	srv.CutAfter(200000)
	_, err := pull(t, c, tinyRepo)
	if err == nil || !strings.Contains(err.Error(), "pull again") {
		t.Fatalf("broken download: err %v, want one saying to pull again", err)
	}
	t.Log(err)
	srv.CutAfter(0)
	p, err := pull(t, c, tinyRepo)
	if err != nil {
		t.Fatal(err)
	}
	ranges := srv.Ranges()
	if !slices.ContainsFunc(ranges, func(r string) bool { return strings.HasPrefix(r, "bytes=") }) {
		t.Errorf("no Range request after the break: %q", ranges)
	}
	for _, n := range tinyFiles {
		if b, err := os.ReadFile(filepath.Join(p, n)); err != nil || !bytes.Equal(b, srv.Data(tinyRepo, n)) {
			t.Errorf("%s differs after resuming (%v)", n, err)
		}
	}
}

func TestPullHashMismatch(t *testing.T) {
	for _, tc := range []struct{ file, hash string }{
		{"model.safetensors", "sha256 mismatch"},
		{"config.json", "git blob sha1 mismatch"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			srv, c := newTest(t)
			srv.Corrupt(tinyRepo, tc.file)
			_, err := pull(t, c, tinyRepo)
			if err == nil {
				t.Fatal("no error for a corrupted download")
			}
			t.Log(err)
			msg := err.Error()
			for _, want := range []string{tc.file, tc.hash} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
			if tc.file == "model.safetensors" && !strings.Contains(msg, srv.SHA256(tinyRepo, tc.file)) {
				t.Errorf("error %q does not give the expected sha256", msg)
			}
			left, _ := filepath.Glob(filepath.Join(c.CacheDir, "*", "blobs", "*.incomplete"))
			if len(left) != 0 {
				t.Errorf("corrupt download kept: %v", left)
			}
		})
	}
}

func TestPullErrors(t *testing.T) {
	for _, tc := range []struct {
		name, ref, token, rev string
		is                    error
		want                  []string
	}{
		{"private without token", "herd-test/private", "", "", ErrAccess, []string{"401", "HF_TOKEN"}},
		{"private with a bad token", "herd-test/private", "hf_bad", "", ErrNotFound, []string{"404"}},
		{"gated without token", "herd-test/gated", "", "", ErrAccess, []string{"401", "gated", "HF_TOKEN"}},
		{"gated with a bad token", "herd-test/gated", "hf_bad", "", ErrAccess, []string{"403", "gated", "HF_TOKEN was sent"}},
		{"no such repo", "herd-test/nope", "", "", ErrNotFound, []string{"404", "herd-test/nope"}},
		{"no such file", tinyRepo + ":nope.gguf", "", "", ErrNotFound, []string{"nope.gguf", tinyRepo}},
		{"no such revision", tinyRepo, "", "v9", ErrNotFound, []string{"RevisionNotFound", "v9"}},
		{"many GGUF", "herd-test/many-GGUF", "", "", nil, []string{"herd-test/many-GGUF:tiny-F16.gguf", "herd-test/many-GGUF:tiny-IQ2_XS.gguf", "REPO:FILE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newTest(t)
			c.Token = tc.token
			ref, err := ParseRef(tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Pull(context.Background(), ref, tc.rev)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestPullWithToken(t *testing.T) {
	for _, repo := range []string{"herd-test/private", "herd-test/gated"} {
		srv, c := newTest(t)
		c.Token = srv.Token
		if _, err := pull(t, c, repo); err != nil {
			t.Errorf("%s with the token: %v", repo, err)
		}
	}
}

func TestPullUnreachable(t *testing.T) {
	srv, c := newTest(t)
	srv.Close()
	_, err := pull(t, c, tinyRepo)
	if err == nil || !strings.Contains(err.Error(), "cannot reach the hub") {
		t.Fatalf("err %v, want one saying the hub cannot be reached", err)
	}
	c.Endpoint = "ftp://example.com"
	if _, err := pull(t, c, tinyRepo); err == nil || !strings.Contains(err.Error(), "http") {
		t.Errorf("bad endpoint: err %v", err)
	}
}

func TestPullGGUF(t *testing.T) {
	srv, c := newTest(t)
	var log bytes.Buffer
	c.Log = &log
	p, err := pull(t, c, "herd-test/llama4-tiny-GGUF")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p) != "llama4-tiny-Q4_K_M.gguf" || !strings.Contains(log.String(), "Q4_K_M") {
		t.Errorf("default GGUF: got %s, note %q; want the Q4_K_M file, said so", p, log.String())
	}
	p, err = pull(t, c, "herd-test/llama4-tiny-GGUF:llama4-tiny-Q8_0.gguf")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, srv.Data("herd-test/llama4-tiny-GGUF", "llama4-tiny-Q8_0.gguf")) {
		t.Errorf("Q8_0 file differs (%v)", err)
	}
	if _, files := srv.Counts(); files != 2 {
		t.Errorf("%d file requests, want 2", files)
	}
}

func TestPullShardedIndex(t *testing.T) {
	srv, c := newTest(t)
	p, err := pull(t, c, "herd-test/sharded")
	if err != nil {
		t.Fatal(err)
	}
	names := dirNames(t, p)
	want := []string{"config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"}
	if !slices.Equal(names, want) {
		t.Errorf("snapshot has %v, want %v (no consolidated.safetensors)", names, want)
	}
	if _, files := srv.Counts(); files != len(want) {
		t.Errorf("%d file requests, want %d", files, len(want))
	}
}

func TestPullFromCacheWhenOffline(t *testing.T) {
	srv, c := newTest(t)
	want, err := pull(t, c, tinyRepo)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("HF_HUB_OFFLINE", "1")
	if got, err := pull(t, c, tinyRepo); err != nil || got != want {
		t.Errorf("offline pull of a cached repo = %q, %v; want %q", got, err, want)
	}
	if api, _ := srv.Counts(); api != 1 {
		t.Errorf("offline pull asked the hub (%d API requests)", api)
	}
	if _, err := pull(t, c, "herd-test/llama4-tiny-GGUF"); err == nil || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Errorf("offline pull of an uncached repo: err %v", err)
	}
	t.Setenv("HF_HUB_OFFLINE", "")
	srv.Close()
	var log bytes.Buffer
	c.Log = &log
	if got, err := pull(t, c, tinyRepo); err != nil || got != want || !strings.Contains(log.String(), "cached copy") {
		t.Errorf("pull with the hub down = %q, %v (log %q); want the cached %q, said so", got, err, log.String(), want)
	}
}

// dirNames returns the names of the entries of dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}
