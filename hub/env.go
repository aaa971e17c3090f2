package hub

import (
	"os"
	"path/filepath"
	"strings"
)

// DefaultEndpoint is the hub used when HF_ENDPOINT is not set.
const DefaultEndpoint = "https://huggingface.co"

// Endpoint is the hub's base URL: $HF_ENDPOINT, or DefaultEndpoint; no
// trailing slash.
func Endpoint() string {
	if e := strings.TrimRight(os.Getenv("HF_ENDPOINT"), "/"); e != "" {
		return e
	}
	return DefaultEndpoint
}

// Home is the Hugging Face home directory: $HF_HOME, else
// $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
func Home() string {
	if h := os.Getenv("HF_HOME"); h != "" {
		return h
	}
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "huggingface")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".cache", "huggingface")
}

// CacheDir is the hub cache: $HF_HUB_CACHE, else Home()/hub.
func CacheDir() string {
	if c := os.Getenv("HF_HUB_CACHE"); c != "" {
		return c
	}
	return filepath.Join(Home(), "hub")
}

// Token is the access token sent to the hub: $HF_TOKEN, else the file
// written by `huggingface-cli login` ($HF_TOKEN_PATH, default Home()/token);
// "" when there is none.
func Token() string {
	if t := strings.TrimSpace(os.Getenv("HF_TOKEN")); t != "" {
		return t
	}
	p := os.Getenv("HF_TOKEN_PATH")
	if p == "" {
		p = filepath.Join(Home(), "token")
	}
	b, err := os.ReadFile(p)
	if err != nil || len(b) > 4096 {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// repoDir is the cache folder of a model repository ("org/name" →
// <cache>/models--org--name).
func repoDir(cache, repo string) string {
	return filepath.Join(cache, "models--"+strings.ReplaceAll(repo, "/", "--"))
}

// Offline reports whether $HF_HUB_OFFLINE forbids network requests ("1",
// "true", "yes" or "on"): pulls are then answered from the cache alone.
func Offline() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv("HF_HUB_OFFLINE"))) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}
