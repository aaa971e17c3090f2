package hub

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Resolve maps a model name to its path in the cache CacheDir(): "org/name"
// to the snapshot directory of refs/main (when it has a config.json) or to
// its one GGUF file, "org/name:FILE" to that file. ok is false, with no
// error, when name is not a repository name or is not in the cache; err is
// set when the cache is ambiguous (several GGUF files, several snapshots
// and no refs/main). It makes no network request.
func Resolve(name string) (path string, ok bool, err error) {
	return ResolveIn(CacheDir(), name)
}

// ResolveIn is Resolve in the cache folder cache.
func ResolveIn(cache, name string) (path string, ok bool, err error) {
	ref, perr := ParseRef(name)
	if perr != nil {
		return "", false, nil
	}
	return resolveAt(cache, ref, "main")
}

// resolveAt finds ref in cache at revision (a branch or tag recorded in
// refs/, or a commit).
func resolveAt(cache string, ref Ref, revision string) (string, bool, error) {
	snap, ok, err := snapshot(repoDir(cache, ref.Repo), ref.Repo, revision)
	if !ok || err != nil {
		return "", false, err
	}
	if ref.File != "" {
		p := filepath.Join(snap, filepath.FromSlash(ref.File))
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true, nil
		}
		return "", false, nil
	}
	if st, err := os.Stat(filepath.Join(snap, "config.json")); err == nil && st.Mode().IsRegular() {
		return snap, true, nil
	}
	ents, err := os.ReadDir(snap)
	if err != nil {
		return "", false, fmt.Errorf("cache: %w", err)
	}
	var ggufs []string
	for _, e := range ents {
		n := e.Name()
		if strings.EqualFold(filepath.Ext(n), ".gguf") && !strings.HasPrefix(strings.ToLower(n), "mmproj") {
			ggufs = append(ggufs, n)
		}
	}
	switch len(ggufs) {
	case 0:
		return "", false, nil
	case 1:
		return filepath.Join(snap, ggufs[0]), true, nil
	}
	return "", false, fmt.Errorf("%s: %d GGUF files are cached (%s): name one as %s:FILE", ref.Repo, len(ggufs), strings.Join(ggufs, ", "), ref.Repo)
}

// snapshot is the snapshot folder of dir (a repository's cache folder) for
// revision: the commit itself, or the one in refs/<revision>, or, for "main"
// without refs/main, the only snapshot.
func snapshot(dir, repo, revision string) (string, bool, error) {
	commit := ""
	if isHex(revision, 40) {
		commit = revision
	} else if checkFile(revision) != nil {
		return "", false, nil
	} else if b, err := os.ReadFile(filepath.Join(dir, "refs", filepath.FromSlash(revision))); err == nil {
		commit = strings.TrimSpace(string(b))
		if !isHex(commit, 40) {
			return "", false, fmt.Errorf("cache %s: refs/%s holds %q, not a commit", dir, revision, clip(commit))
		}
	}
	if commit != "" {
		snap := filepath.Join(dir, "snapshots", commit)
		if st, err := os.Stat(snap); err == nil && st.IsDir() {
			return snap, true, nil
		}
		return "", false, nil
	}
	if revision != "main" {
		return "", false, nil
	}
	ents, err := os.ReadDir(filepath.Join(dir, "snapshots"))
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("cache: %w", err)
	}
	var snaps []string
	for _, e := range ents {
		if e.IsDir() {
			snaps = append(snaps, e.Name())
		}
	}
	switch len(snaps) {
	case 0:
		return "", false, nil
	case 1:
		return filepath.Join(dir, "snapshots", snaps[0]), true, nil
	}
	return "", false, fmt.Errorf("%s: %d snapshots are cached and none is refs/main (%s); pass the snapshot directory with -m", repo, len(snaps), strings.Join(snaps, ", "))
}
