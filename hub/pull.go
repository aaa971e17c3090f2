package hub

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Pull downloads what Select picks of ref at revision ("" means "main") into
// the cache, skipping files already there, and returns the local path: the
// snapshot directory, or the one file when ref names one (or a GGUF was
// chosen). It records the commit in refs/<revision>.
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
	base, err := c.base()
	if err != nil {
		return "", err
	}
	info, err := c.Info(ctx, ref.Repo, revision)
	if err != nil {
		return "", err
	}
	sel, err := Select(info, ref.Repo, ref.File)
	if err != nil {
		return "", err
	}
	if sel.Note != "" && c.Log != nil {
		fmt.Fprintln(c.Log, sel.Note)
	}
	dir := repoDir(c.CacheDir, ref.Repo)
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
	snap := filepath.Join(dir, "snapshots", info.SHA)
	if sel.Single != "" {
		return filepath.Join(snap, filepath.FromSlash(sel.Single)), nil
	}
	return snap, nil
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
