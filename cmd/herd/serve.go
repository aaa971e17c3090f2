package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/herd-llm/herd/embedded"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/server"
)

func cmdServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	model := modelFlag(fs, "model: a Hugging Face Llama 4 directory with a tokenizer, or .gguf file (default: the embedded "+embedded.Name+" model)")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	apiKey := fs.String("api-key", os.Getenv("HERD_API_KEY"), "require this bearer key (default $HERD_API_KEY)")
	ctx := fs.Int("ctx", 8192, "context length per sequence, in tokens")
	parallel := fs.Int("parallel", 4, "sequences decoded together (continuous batching slots)")
	queue := fs.Int("queue", 64, "requests that may wait for a slot before 429")
	quantFlag := fs.String("quant", "", quantHelp)
	kvType := fs.String("kv-type", "f16", "KV cache element type: f32, bf16, f16 or q8_0")
	prefill := fs.Int("prefill-chunk", 256, "prompt tokens prefilled per step, so running streams keep flowing")
	name := fs.String("name", "", "model id to report (default: the directory name)")
	grace := fs.Duration("grace", 30*time.Second, "on SIGTERM, how long running streams may take to finish")
	var cors []string
	fs.Func("cors-origin", "let browser pages from this `origin` call the API (CORS): scheme://host[:port] or *; repeatable or comma-separated", func(v string) error { o, err := server.ParseOrigins(v); cors = append(cors, o...); return err })
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *parallel <= 0 || *ctx <= 0 || *queue < 0 || *prefill <= 0 {
		return usagef("--parallel, --ctx and --prefill-chunk must be positive, --queue non-negative")
	}
	kvdt, err := kvcache.ParseKVType(*kvType)
	if err != nil {
		return usagef("--kv-type: %v", err)
	}
	m, err := loadModel(*model)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := applyQuant(m, *quantFlag, stderr, false); err != nil {
		return err
	}
	tok, err := loadTokenizer(*model, m)
	if err != nil {
		return err
	}
	vis, err := serveVision(*model, m, tok, *quantFlag, stderr) // nil for a text-only model
	if err != nil {
		return err
	}
	if vis != nil {
		defer vis.Close()
	}
	if *ctx > m.Config.MaxPositions {
		return fmt.Errorf("--ctx %d exceeds the model's max_position_embeddings %d", *ctx, m.Config.MaxPositions)
	}
	// Plan all slots before allocating anything.
	in := m.PlanInput(*ctx, *prefill, kvdt)
	in.Sequences = *parallel
	plan := kvcache.MakePlan(in)
	if avail, err := kvcache.Available(); err == nil {
		if err := kvcache.Fit(in, &plan, avail); err != nil {
			return fmt.Errorf("%w (lower --ctx or --parallel)", err)
		}
	}
	var em engine.Model = m
	if vis != nil {
		tk, err := m.Config.ImageTokens(tok.TokenID)
		if err != nil {
			return err
		}
		em = engine.VisionModel{Model: m, Vision: vis, Tokens: tk} // images are encoded in the scheduler
	}
	eng, err := engine.New(em, engine.Options{Parallel: *parallel, Ctx: *ctx, KVType: kvdt, PrefillChunk: *prefill, QueueSize: *queue})
	if err != nil {
		return err
	}
	if *name == "" {
		*name = modelName(*model)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv := server.New(m.Config, tok, eng, server.Options{ModelName: *name, APIKey: *apiKey, Logger: log, Vision: vis, CORSOrigins: cors})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	sctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	engDone := make(chan struct{})
	ectx, ecancel := context.WithCancel(context.Background())
	go func() { eng.Run(ectx); close(engDone) }()
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "model", *name, "ctx", *ctx, "parallel", *parallel,
		"kv", kvdt.FlagName(), "plan_total", kvcache.Human(plan.TotalBytes))
	err = srv.Serve(sctx, ln, *grace)
	// Streams have finished (or the grace period ran out): stop the engine.
	ecancel()
	<-engDone
	log.Info("stopped")
	if err != nil && err != context.Canceled {
		return err
	}
	return nil
}
