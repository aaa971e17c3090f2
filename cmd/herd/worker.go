package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/herd-llm/herd/cluster"
	"github.com/herd-llm/herd/internal/cli"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/kernels"
)

// The worker command registers itself here (this file's init runs after
// commands.go's, which makes the table) so that cluster code stays in files
// of its own.
func init() {
	commands["worker"] = cli.Command{Summary: "serve a range of a model's layers to a leader (pipeline-parallel inference across machines)",
		Args: "--listen ADDR [flags]", ModelHelp: modelHelp, Run: cmdWorker, Required: []string{"listen"},
		About: "Every process of a cluster needs the same secret in $" + cluster.SecretEnv + " and its own copy of the same model file. " +
			"The leader (herd run/logits --workers ADDR,...) assigns each worker its layers; the worker checks that its copy of them hashes to the leader's.",
		Examples: []string{"worker -m Llama-4-Scout-17B-16E-Instruct-Q4_K_M.gguf --listen :7070"}}
}

func cmdWorker(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("worker")
	listen := cl.String("listen", "", "address to serve on, host:port (TLS, HTTP/2; only processes with the same secret are answered)")
	var threads int
	modelflags.ThreadsVar(cl.FlagSet, &threads, 0, "compute threads; 0 = one per CPU")
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	if threads < 0 {
		return usagef("-t %d must be ≥ 0", threads)
	}
	auth, err := cluster.AuthFromEnv()
	if err != nil {
		return err
	}
	kernels.SetThreads(threads)
	m, err := modelflags.LoadModel(cl.Model)
	if err != nil {
		return err
	}
	defer m.Close()
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
	}
	w := cluster.NewWorker(m, auth, logf)
	srv := w.Serve(l)
	logf("herd worker: %s (%d layers) on %s, TLS with the key of $%s", modelflags.Name(cl.Model), m.Config.Layers, l.Addr(), cluster.SecretEnv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	st := w.Stats()
	logf("herd worker: stopping after %d calls, %d tokens, %v busy", st.Calls, st.Tokens, st.Busy.Round(time.Millisecond))
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
