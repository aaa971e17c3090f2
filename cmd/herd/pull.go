package main

import (
	"context"
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
