package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/hub/hubtest"
	"github.com/herd-llm/herd/internal/modelflags"
)

// pullEnv starts the fake hub over testdata/hub and points the Hugging Face
// environment at it and at an empty cache.
func pullEnv(t *testing.T) *hubtest.Server {
	t.Helper()
	srv := hubtest.NewServer(t, filepath.Join("..", "..", "testdata", "hub"))
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_TOKEN_PATH", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("HF_ENDPOINT", srv.URL)
	return srv
}

func TestPullThenLoad(t *testing.T) {
	needTiny(t)
	srv := pullEnv(t)
	for _, tc := range []struct{ repo, base string }{
		{"herd-test/llama4-tiny", srv.Commit("herd-test/llama4-tiny")},
		{"herd-test/llama4-tiny-GGUF", "llama4-tiny-Q4_K_M.gguf"},
	} {
		code, out, errOut := runHerd("pull", tc.repo)
		if code != 0 {
			t.Fatalf("pull %s: exit %d: %s", tc.repo, code, errOut)
		}
		path := strings.TrimSpace(out)
		if filepath.Base(path) != tc.base {
			t.Fatalf("pull %s printed %q, want a path ending in %s", tc.repo, path, tc.base)
		}
		// The repository name now resolves to the pulled path, which loads.
		got, err := modelflags.Resolve(tc.repo)
		if err != nil || got != path {
			t.Fatalf("modelflags.Resolve(%s) = %q, %v; want %q", tc.repo, got, err, path)
		}
		m, err := modelflags.LoadModel(path)
		if err != nil {
			t.Fatalf("loading the pulled %s: %v", tc.repo, err)
		}
		if _, err := modelflags.LoadTokenizer(path, m); err != nil {
			t.Errorf("tokenizer of the pulled %s: %v", tc.repo, err)
		}
		if code, out, errOut := runHerd("inspect", "-m", path); code != 0 || !strings.Contains(out, "layer") {
			t.Errorf("inspect -m %s: exit %d: %s%s", path, code, out, errOut)
		}
	}
}

func TestPullErrors(t *testing.T) {
	srv := pullEnv(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"pull"}, 2, "want one REPO[:FILE]"},
		{[]string{"pull", "not-a-repo"}, 2, "want org/name"},
		{[]string{"pull", "herd-test/private"}, 1, "HF_TOKEN"},
		{[]string{"pull", "herd-test/nope"}, 1, "not found"},
		{[]string{"pull", "herd-test/many-GGUF"}, 1, "REPO:FILE"},
		{[]string{"pull", "--endpoint", "http://127.0.0.1:1", "herd-test/llama4-tiny"}, 1, "cannot reach the hub"},
		{[]string{"pull", "--revision", srv.Commit("herd-test/gated"), "--endpoint", srv.URL, "herd-test/gated"}, 1, "gated"},
	} {
		code, _, errOut := runHerd(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("herd %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), code, errOut, tc.code, tc.want)
		}
	}
	if _, err := modelflags.Resolve("herd-test/not-pulled"); err == nil || !strings.Contains(err.Error(), "herd pull herd-test/not-pulled") {
		t.Errorf("resolveModelArg of a repository not pulled: err %v, want one saying to pull it", err)
	}
	if got, err := modelflags.Resolve("no/such/file.gguf"); err != nil || got != "no/such/file.gguf" {
		t.Errorf("resolveModelArg of a missing path = %q, %v; want it unchanged", got, err)
	}
}
