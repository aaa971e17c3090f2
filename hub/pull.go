package hub

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Pull downloads what Select picks of ref at revision ("" means "main") into
// the cache, skipping files already there, and returns the local path: the
// snapshot directory, or the one file when ref names one (or a GGUF was
// chosen). It records the commit in refs/<revision>. A sharded checkpoint
// gets only the shards its model.safetensors.index.json lists. With
// HF_HUB_OFFLINE set, or when the hub cannot be reached, it answers from
// the cache when the cache has ref at revision.
func (c *Client) Pull(ctx context.Context, ref Ref, revision string) (string, error) {
	if revision == "" {
		revision = "main"
	}
	if err := checkRepo(ref.Repo); err != nil {
		return "", err
	}
	if ref.File != "" {
		if err := checkFile(ref.File); err != nil {
			return "", err
		}
	}
	if c.CacheDir == "" {
		return "", fmt.Errorf("hub: no cache directory")
	}
	if Offline() {
		return c.fromCache(ctx, ref, revision, errOffline)
	}
	base, err := c.base()
	if err != nil {
		return "", err
	}
	info, err := c.Info(ctx, ref.Repo, revision)
	if err != nil {
		return c.fromCache(ctx, ref, revision, err)
	}
	sel, err := Select(info, ref.Repo, ref.File)
	if err != nil {
		return "", err
	}
	if sel.Note != "" && c.Log != nil {
		fmt.Fprintln(c.Log, sel.Note)
	}
	dir := repoDir(c.CacheDir, ref.Repo)
	snap := filepath.Join(dir, "snapshots", info.SHA)
	if idx, ok := info.Lookup(indexFile); ok && sel.Single == "" {
		// A sharded checkpoint: take only the shards its index lists.
		if err := c.fetch(ctx, base, ref.Repo, info.SHA, dir, idx, nil); err != nil {
			return "", err
		}
		shards, err := readShards(filepath.Join(snap, indexFile))
		if err != nil {
			return "", fmt.Errorf("%s: %w", ref.Repo, err)
		}
		if sel.Files, err = keepShards(sel.Files, shards, ref.Repo); err != nil {
			return "", err
		}
	}
	var total int64
	for _, s := range sel.Files {
		total += s.Size
	}
	var prog *progress
	if c.Progress != nil {
		prog = newProgress(c.Progress, total)
	}
	for _, s := range sel.Files {
		prog.file(s.Name)
		if err := c.fetch(ctx, base, ref.Repo, info.SHA, dir, s, prog); err != nil {
			if prog != nil {
				fmt.Fprintln(c.Progress)
			}
			return "", err
		}
	}
	prog.finish()
	if revision != info.SHA {
		if err := writeRef(dir, revision, info.SHA); err != nil {
			return "", err
		}
	}
	if sel.Single != "" {
		return filepath.Join(snap, filepath.FromSlash(sel.Single)), nil
	}
	return snap, nil
}

// errOffline is why an offline pull did not ask the hub.
var errOffline = errors.New("HF_HUB_OFFLINE is set")

// fromCache answers a pull that could not ask the hub (offline, or the hub
// unreachable: err) from the cache, when it holds ref at revision; else it
// returns err. Errors from the hub itself (HTTP statuses) are returned as
// they are: the hub was reached and said no.
func (c *Client) fromCache(ctx context.Context, ref Ref, revision string, err error) (string, error) {
	var he *HTTPError
	if errors.As(err, &he) || ctx.Err() != nil {
		return "", err
	}
	p, ok, rerr := resolveAt(c.CacheDir, ref, revision)
	if rerr != nil {
		return "", rerr
	}
	if !ok {
		if err == errOffline {
			return "", fmt.Errorf("%s is not in the cache %s, and HF_HUB_OFFLINE is set", ref, c.CacheDir)
		}
		return "", err
	}
	if c.Log != nil && err != errOffline {
		fmt.Fprintf(c.Log, "%v\nusing the cached copy of %s\n", err, ref)
	}
	return p, nil
}

// writeRef records that revision (a branch or tag, possibly with '/') is at
// commit, as huggingface_hub does in refs/<revision>.
func writeRef(dir, revision, commit string) error {
	if checkFile(revision) != nil {
		return nil // not a name that can be a path: keep no ref
	}
	p := filepath.Join(dir, "refs", filepath.FromSlash(revision))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if b, err := os.ReadFile(p); err == nil && string(b) == commit {
		return nil
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(commit), 0o644); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}
