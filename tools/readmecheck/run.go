package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/herd-llm/herd/internal/lockedbuf"
)

// runner runs commands with bash in dir.
type runner struct {
	dir     string
	env     []string
	timeout time.Duration
}

// outputTail is how much of a failed command's output is printed.
const outputTail = 16 << 10

// block runs the commands of b in order; with b.Background, the first one
// as a server around the others.
func (r *runner) block(b block) error {
	cmds := b.Commands
	if b.Background != "" {
		if len(cmds) < 2 {
			return fmt.Errorf("a background block needs the server and at least one command to run against it")
		}
		stop, err := r.startServer(cmds[0], b.Background)
		if err != nil {
			return err
		}
		err = r.all(cmds[1:])
		if serr := stop(); err == nil {
			err = serr
		}
		return err
	}
	return r.all(cmds)
}

func (r *runner) all(cmds []string) error {
	for _, c := range cmds {
		if err := r.one(c); err != nil {
			return err
		}
	}
	return nil
}

// one runs a command to its end.
func (r *runner) one(c string) error {
	fmt.Printf("$ %s\n", c)
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	var out lockedbuf.Buffer
	cmd := r.command(ctx, c, &out)
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v", r.timeout)
	}
	if err != nil {
		return failure(c, err, &out)
	}
	fmt.Printf("   ok, %.1fs, %d bytes of output\n", time.Since(t0).Seconds(), out.Len())
	return nil
}

// startServer starts c in the background and waits until ready answers
// 200. stop sends SIGTERM and waits for a clean exit.
func (r *runner) startServer(c, ready string) (stop func() error, err error) {
	u, err := url.Parse(ready)
	if err != nil {
		return nil, fmt.Errorf("background URL %q: %w", ready, err)
	}
	if conn, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		conn.Close()
		return nil, fmt.Errorf("something already listens on %s, which the server example needs", u.Host)
	}
	fmt.Printf("$ %s   (background, until %s answers 200)\n", c, ready)
	t0 := time.Now()
	var out lockedbuf.Buffer
	cmd := r.command(context.Background(), c, &out)
	if err := cmd.Start(); err != nil {
		return nil, failure(c, err, &out)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	kill := func() {
		terminate(cmd, true)
		<-done
	}
	deadline := time.Now().Add(r.timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case err := <-done:
			return nil, failure(c, fmt.Errorf("exited before %s answered: %v", ready, err), &out)
		case <-time.After(200 * time.Millisecond):
		}
		if resp, err := client.Get(ready); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			kill()
			return nil, failure(c, fmt.Errorf("%s did not answer 200 within %v", ready, r.timeout), &out)
		}
	}
	fmt.Printf("   ready, %.1fs\n", time.Since(t0).Seconds())
	return func() error {
		terminate(cmd, false)
		select {
		case err := <-done:
			if err != nil {
				return failure(c, fmt.Errorf("after SIGTERM: %w", err), &out)
			}
			fmt.Printf("   server stopped cleanly on SIGTERM, %d bytes of output\n", out.Len())
			return nil
		case <-time.After(30 * time.Second):
			kill()
			return failure(c, errors.New("still running 30s after SIGTERM"), &out)
		}
	}, nil
}

// command is c run by bash (with pipefail) in r.dir, stdin empty, its
// output in out, in a process group of its own that ctx's end kills.
func (r *runner) command(ctx context.Context, c string, out *lockedbuf.Buffer) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "bash", "-o", "pipefail", "-c", c)
	cmd.Dir = r.dir
	cmd.Env = r.env
	cmd.Stdout, cmd.Stderr = out, out
	newGroup(cmd)
	cmd.Cancel = func() error { terminate(cmd, true); return nil }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// failure is the error for command c, with the tail of its output.
func failure(c string, err error, out *lockedbuf.Buffer) error {
	o := out.String()
	if len(o) > outputTail {
		o = "[…]" + o[len(o)-outputTail:]
	}
	return fmt.Errorf("command failed: %v\n$ %s\n%s", err, c, strings.TrimRight(o, "\n"))
}
