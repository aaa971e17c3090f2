package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/herd-llm/herd/hub"
	"github.com/herd-llm/herd/internal/termline"
)

func cmdPull(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("pull")
	revision := cl.String("revision", "main", "branch, tag or commit to download")
	endpoint := cl.String("endpoint", "", "hub URL (default $HF_ENDPOINT, else "+hub.DefaultEndpoint+")")
	pos, err := cl.Parse(args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one REPO[:FILE], e.g. herd pull meta-llama/Llama-4-Scout-17B-16E-Instruct")
	}
	ref, err := hub.ParseRef(pos[0])
	if err != nil {
		return usagef("%v", err)
	}
	c := hub.NewClient()
	if *endpoint != "" {
		c.Endpoint = *endpoint
	}
	c.Log = stderr
	if termline.IsTerminal(stderr) {
		c.Progress = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	path, err := c.Pull(ctx, ref, *revision)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, path)
	return nil
}

// resolveModelArg maps a -m value to a local path: an existing file or
// directory as is, else a repository name pulled before ("org/name" or
// "org/name:FILE") to its path in the hub cache. A repository name not in
// the cache is an error that says how to pull it; anything else is returned
// unchanged (for the loader's own error).
func resolveModelArg(m string) (string, error) {
	if m == "" {
		return m, nil
	}
	if _, err := os.Stat(m); err == nil || !errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	p, ok, err := hub.Resolve(m)
	if err != nil {
		return "", fmt.Errorf("model %s: %w", m, err)
	}
	if ok {
		return p, nil
	}
	if _, perr := hub.ParseRef(m); perr == nil {
		return "", fmt.Errorf("model %s: no such file or directory, and not in the hub cache %s (run `herd pull %s` first)", m, hub.CacheDir(), m)
	}
	return m, nil
}
