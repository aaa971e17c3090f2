package hub

import (
	"fmt"
	"strings"
)

// Ref names what to pull: a repository ("org/name") and, optionally, one
// file in it (a path relative to the repository root, "/"-separated).
type Ref struct {
	Repo string
	File string
}

// String is the REPO[:FILE] form that ParseRef reads.
func (r Ref) String() string {
	if r.File == "" {
		return r.Repo
	}
	return r.Repo + ":" + r.File
}

// maxRepoLen bounds a repository id, as the hub does (96 characters a part).
const maxRepoLen = 2*96 + 1

// ParseRef reads "org/name" or "org/name:FILE". The repository id must be
// two parts of letters, digits, '-', '_' and '.', not starting or ending in
// '-' or '.', without "--" or ".."; FILE must be a clean relative path.
func ParseRef(s string) (Ref, error) {
	repo, file, hasFile := strings.Cut(s, ":")
	if err := checkRepo(repo); err != nil {
		return Ref{}, err
	}
	if hasFile {
		if err := checkFile(file); err != nil {
			return Ref{}, fmt.Errorf("%q: %w", s, err)
		}
	}
	return Ref{Repo: repo, File: file}, nil
}

// checkRepo reports whether repo is a valid "org/name" repository id.
func checkRepo(repo string) error {
	org, name, ok := strings.Cut(repo, "/")
	if !ok || len(repo) > maxRepoLen {
		return fmt.Errorf("repository %q: want org/name (e.g. meta-llama/Llama-4-Scout-17B-16E-Instruct)", repo)
	}
	for _, p := range []string{org, name} {
		if p == "" || strings.Contains(p, "--") || strings.Contains(p, "..") ||
			strings.IndexAny(p[:1], "-.") >= 0 || strings.IndexAny(p[len(p)-1:], "-.") >= 0 {
			return fmt.Errorf("repository %q: %q is not a valid name part", repo, p)
		}
		for _, c := range p {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				return fmt.Errorf("repository %q: character %q is not allowed", repo, c)
			}
		}
	}
	return nil
}

// maxFileLen bounds a file path inside a repository.
const maxFileLen = 1024

// checkFile reports whether name is a clean relative "/"-separated path that
// stays inside its directory: no empty, "." or ".." parts, no backslash, no
// control characters.
func checkFile(name string) error {
	if name == "" {
		return fmt.Errorf("empty file name")
	}
	if len(name) > maxFileLen {
		return fmt.Errorf("file name of %d bytes (at most %d)", len(name), maxFileLen)
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return fmt.Errorf("file name %q: character %q is not allowed", name, c)
		}
	}
	for _, p := range strings.Split(name, "/") {
		if p == "" || p == "." || p == ".." {
			return fmt.Errorf("file name %q: not a clean relative path", name)
		}
	}
	return nil
}
