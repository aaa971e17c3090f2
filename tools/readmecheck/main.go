// Command readmecheck runs the shell examples of README.md in a fresh clone
// of the repository, so the README stays a contract a user can rely on.
//
// It clones the repository's committed HEAD into an empty temporary
// directory (nothing beside it, as a new user has it), extracts the commands of
// every ```sh block of the clone's README.md (parseBlocks) and runs them in
// order with bash, in the clone's root, each with a timeout, with no HERD_*
// variables set and stdin empty. The first command that fails stops the
// check, which prints the command and its output and exits 1.
//
// A block is marked with an HTML comment on the line before its fence:
//
//	<!-- readme-check: skip: needs llama.cpp -->
//	    not run; the check lists it with the reason.
//	<!-- readme-check: background: http://127.0.0.1:8080/health -->
//	    the first command is a server: it runs in the background until the
//	    URL answers 200, then the other commands run, then the server gets
//	    SIGTERM and must exit cleanly.
//
// Usage (from the repository; .ci/run runs it):
//
//	go run ./tools/readmecheck [-timeout 3m] [-keep]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	repo := flag.String("repo", "", "repository to clone (default: the one containing the working directory)")
	readme := flag.String("readme", "README.md", "the Markdown file, relative to the clone's root")
	timeout := flag.Duration("timeout", 3*time.Minute, "limit for each command")
	keep := flag.Bool("keep", false, "keep the temporary clone")
	flag.Parse()
	if err := run(*repo, *readme, *timeout, *keep); err != nil {
		fmt.Fprintf(os.Stderr, "readmecheck: %v\n", err)
		os.Exit(1)
	}
}

func run(repo, readme string, timeout time.Duration, keep bool) error {
	t0 := time.Now()
	if repo == "" {
		out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
		if err != nil {
			return fmt.Errorf("finding the repository (git rev-parse --show-toplevel): %w", err)
		}
		repo = strings.TrimSpace(string(out))
	}
	tmp, err := os.MkdirTemp("", "readmecheck-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Printf("keeping %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	root := filepath.Join(tmp, "herd")
	if out, err := exec.Command("git", "clone", "--quiet", repo, root).CombinedOutput(); err != nil {
		return fmt.Errorf("git clone %s: %w\n%s", repo, err, out)
	}
	text, err := os.ReadFile(filepath.Join(root, readme))
	if err != nil {
		return err
	}
	blocks, err := parseBlocks(string(text))
	if err != nil {
		return fmt.Errorf("%s: %w", readme, err)
	}
	fmt.Printf("readmecheck: %d ```sh blocks in %s, run in a fresh clone of %s (%s)\n", len(blocks), readme, repo, root)
	r := &runner{dir: root, env: cleanEnv(), timeout: timeout}
	ran, skipped := 0, 0
	for _, b := range blocks {
		if b.Skip != "" {
			skipped++
			fmt.Printf("\n-- %s:%d skipped (%s):\n", readme, b.Line, b.Skip)
			for _, c := range b.Commands {
				fmt.Printf("   $ %s\n", c)
			}
			continue
		}
		fmt.Printf("\n-- %s:%d\n", readme, b.Line)
		if err := r.block(b); err != nil {
			return fmt.Errorf("%s:%d: %w", readme, b.Line, err)
		}
		ran += len(b.Commands)
	}
	fmt.Printf("\nreadmecheck: ok: %d commands in %d blocks ran; %d blocks skipped (reasons above); %.0fs\n",
		ran, len(blocks)-skipped, skipped, time.Since(t0).Seconds())
	return nil
}

// cleanEnv is the environment without herd's own variables (a fresh user
// has none set: no $HERD_LLAMA4_TOKENIZER).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HERD_") {
			env = append(env, kv)
		}
	}
	return env
}
