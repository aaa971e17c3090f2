package hub

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	srv, c := newTest(t)
	for _, r := range []string{tinyRepo, "herd-test/llama4-tiny-GGUF"} {
		if _, err := pull(t, c, r); err != nil {
			t.Fatal(err)
		}
	}
	snap := filepath.Join(c.CacheDir, "models--herd-test--llama4-tiny", "snapshots", srv.Commit(tinyRepo))
	gsnap := filepath.Join(c.CacheDir, "models--herd-test--llama4-tiny-GGUF", "snapshots", srv.Commit("herd-test/llama4-tiny-GGUF"))
	for _, tc := range []struct {
		name, want string
		ok         bool
	}{
		{tinyRepo, snap, true},
		{tinyRepo + ":config.json", filepath.Join(snap, "config.json"), true},
		{tinyRepo + ":README.md", "", false}, // not pulled
		{"herd-test/llama4-tiny-GGUF", filepath.Join(gsnap, "llama4-tiny-Q4_K_M.gguf"), true},
		{"herd-test/not-pulled", "", false},
		{"model.gguf", "", false},
		{"./herd-test/llama4-tiny", "", false},
		{"/abs/path", "", false},
		{"", "", false},
	} {
		got, ok, err := ResolveIn(c.CacheDir, tc.name)
		if err != nil || ok != tc.ok || got != tc.want {
			t.Errorf("ResolveIn(%q) = %q, %v, %v; want %q, %v", tc.name, got, ok, err, tc.want, tc.ok)
		}
	}

	// Two GGUF files cached: ambiguous without a file name.
	if _, err := pull(t, c, "herd-test/llama4-tiny-GGUF:llama4-tiny-Q8_0.gguf"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ResolveIn(c.CacheDir, "herd-test/llama4-tiny-GGUF"); err == nil || !strings.Contains(err.Error(), "llama4-tiny-GGUF:FILE") {
		t.Errorf("two cached GGUFs: err %v, want one asking for a file", err)
	}

	// Without refs/main the only snapshot is used; a bad ref is an error.
	refs := filepath.Join(c.CacheDir, "models--herd-test--llama4-tiny", "refs", "main")
	if err := os.Remove(refs); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := ResolveIn(c.CacheDir, tinyRepo); err != nil || !ok || got != snap {
		t.Errorf("without refs/main: %q, %v, %v", got, ok, err)
	}
	if err := os.WriteFile(refs, []byte("../../etc"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ResolveIn(c.CacheDir, tinyRepo); err == nil {
		t.Error("a refs/main that is no commit: no error")
	}

	// Resolve reads HF_HUB_CACHE.
	t.Setenv("HF_HUB_CACHE", c.CacheDir)
	if got, ok, err := Resolve("herd-test/llama4-tiny-GGUF:llama4-tiny-Q8_0.gguf"); err != nil || !ok || got != filepath.Join(gsnap, "llama4-tiny-Q8_0.gguf") {
		t.Errorf("Resolve = %q, %v, %v", got, ok, err)
	}
}

func TestEnv(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HOME", home)
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_TOKEN_PATH", "")
	t.Setenv("HF_ENDPOINT", "")
	if got := CacheDir(); got != filepath.Join(home, "hub") {
		t.Errorf("CacheDir with HF_HOME = %s", got)
	}
	if got := Endpoint(); got != DefaultEndpoint {
		t.Errorf("Endpoint = %s", got)
	}
	if got := Token(); got != "" {
		t.Errorf("Token with none = %q", got)
	}
	if err := os.WriteFile(filepath.Join(home, "token"), []byte("hf_saved\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := Token(); got != "hf_saved" {
		t.Errorf("Token from the login file = %q", got)
	}
	t.Setenv("HF_TOKEN", "hf_env")
	t.Setenv("HF_HUB_CACHE", "/elsewhere")
	t.Setenv("HF_ENDPOINT", "http://mirror:8080/")
	if Token() != "hf_env" || CacheDir() != "/elsewhere" || Endpoint() != "http://mirror:8080" {
		t.Errorf("env overrides: token %q cache %q endpoint %q", Token(), CacheDir(), Endpoint())
	}
}
