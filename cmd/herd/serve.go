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

	"github.com/herd-llm/herd/cluster"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/guard/llamaguard"
	"github.com/herd-llm/herd/guard/promptguard"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/server"
)

func cmdServe(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("serve")
	var g modelflags.Gen
	g.Define(cl.FlagSet, defaultChatCtx, "context length per sequence, in tokens (the default is capped by the model's max_position_embeddings)")
	addr := cl.String("addr", "127.0.0.1:8080", "listen address")
	apiKey := cl.String("api-key", os.Getenv("HERD_API_KEY"), "require this API key, as a bearer token or in x-api-key (default $HERD_API_KEY)")
	metricsKey := cl.String("metrics-key", os.Getenv("HERD_METRICS_KEY"), "bearer key for /metrics instead of --api-key (default $HERD_METRICS_KEY)")
	bodyTimeout := cl.Duration("body-timeout", server.DefaultBodyTimeout, "drop a client that takes longer than this to send a request body")
	writeTimeout := cl.Duration("write-timeout", server.DefaultWriteTimeout, "drop a client that does not take an answer or stream chunk within this")
	idleTimeout := cl.Duration("idle-timeout", server.DefaultIdleTimeout, "close keep-alive connections idle this long")
	maxPixels := cl.Int("max-image-pixels", server.DefaultMaxImagePixels, "most image pixels (width·height, summed) one request may carry, checked before decoding")
	parallel := cl.Int("parallel", 4, "sequences decoded together (continuous batching slots)")
	queue := cl.Int("queue", 64, "requests that may wait for a slot before 429")
	prefill := cl.Int("prefill-chunk", 256, "prompt tokens prefilled per step, so running streams keep flowing")
	blockSize := cl.Int("block-size", engine.DefaultBlockSize, "prefix-cache block, in tokens: requests sharing whole blocks of prompt reuse their KV")
	prefixMB := cl.Int("prefix-cache-mb", 0, "memory for the prefix cache shared by all slots, MiB (0: as much as the slots' KV caches, at least 64 MiB)")
	noPrefix := cl.Bool("no-prefix-cache", false, "no shared prefix cache: a slot reuses only the prefix it last held")
	name := cl.String("name", "", "model id to report (default: the directory name)")
	grace := cl.Duration("grace", 30*time.Second, "on SIGTERM, how long running streams may take to finish")
	var gf serveGuardFlags
	gf.define(cl.FlagSet)
	var cf clusterFlags
	cf.define(cl.FlagSet)
	var kf kvEventFlags
	kf.define(cl.FlagSet)
	noLazy := cl.Bool("no-lazy-tools", false, `under tool_choice "auto", leave the tool calls the model starts unconstrained (by default the rest of a JSON call follows the tool's schema)`)
	weightUpdates := cl.Bool("weight-updates", false, "accept new weights at POST /v1/weights?version=N (float32 safetensors, needs --api-key), swapped in between decode steps: the generator of herd rl --generator")
	var cors []string
	cl.Func("cors-origin", "let browser pages from this `origin` call the API (CORS): scheme://host[:port] or *; repeatable or comma-separated", func(v string) error { o, err := server.ParseOrigins(v); cors = append(cors, o...); return err })
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	if *parallel <= 0 || g.Ctx <= 0 || *queue < 0 || *prefill <= 0 || *blockSize <= 0 || *prefixMB < 0 {
		return usagef("--parallel, --ctx, --prefill-chunk and --block-size must be positive, --queue and --prefix-cache-mb non-negative")
	}
	if *bodyTimeout <= 0 || *writeTimeout <= 0 || *idleTimeout <= 0 || *maxPixels <= 0 {
		return usagef("--body-timeout, --write-timeout, --idle-timeout and --max-image-pixels must be positive")
	}
	if err := cf.check(g.Quant); err != nil {
		return err
	}
	gm, err := g.Load(cl.Model, true, stderr, false)
	if err != nil {
		return err
	}
	m, tok, kvdt := gm.M, gm.Tok, gm.KV
	defer m.Close()
	vis, err := modelflags.ServeVision(cl.Model, m, tok, g.Quant, stderr) // nil for a text-only model
	if err != nil {
		return err
	}
	if vis != nil {
		defer vis.Close()
	}
	ctx, err := modelflags.CtxLimit(g.Ctx, cl.Given("ctx"), m.Config.MaxPositions)
	if err != nil {
		return err
	}
	guardM, err := gf.open(cl.FlagSet, g.Quant, kvdt, stderr) // nil without --guard
	if err != nil {
		return err
	}
	if guardM != nil {
		defer guardM.Stop()
	}
	pg, err := gf.openPrompt(cl.FlagSet) // nil without --prompt-guard
	if err != nil {
		return err
	}
	// Plan all slots and everything held beside them (vision towers, the
	// guards) before allocating anything.
	in := m.PlanInput(ctx, *prefill, kvdt)
	in.Sequences = *parallel
	in.Residents = serveResidents(vis, guardM, pg)
	avail, err := kvcache.Available()
	if err != nil || cf.on() { // a pipeline plans its stages itself
		avail = 0
	}
	in, plan, err := planServe(in, *prefixMB, *noPrefix, avail)
	if err != nil {
		return err
	}
	if cf.on() && (*weightUpdates || vis != nil) {
		return usagef("--workers serves text models, without --weight-updates")
	}
	em, done, err := cf.model(m, ctx, *prefill, kvdt, *parallel, stderr, false)
	if err != nil {
		return err
	}
	defer done()
	var upd server.WeightUpdater
	if *weightUpdates {
		if vis != nil {
			return usagef("--weight-updates serves text models only (not with images)")
		}
		sm := engine.NewSwapModel(m)
		em, upd = sm, &server.SwapWeights{Model: sm, Config: m.Config}
	}
	if vis != nil {
		tk, err := m.Config.ImageTokens(tok.TokenID)
		if err != nil {
			return err
		}
		em = engine.VisionModel{Model: m, Vision: vis, Tokens: tk} // images are encoded in the scheduler
	}
	sched := gf.scheduler(guardM) // nil without --guard or --prompt-guard
	eng, err := engine.New(em, engine.Options{Parallel: *parallel, Ctx: ctx, KVType: kvdt, PrefillChunk: *prefill, QueueSize: *queue,
		BlockSize: *blockSize, PrefixCacheBytes: in.PrefixBytes, Scheduler: sched, Name: "main"})
	if err != nil {
		return err
	}
	if *name == "" {
		*name = modelflags.Name(cl.Model)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	guardOpts, err := gf.start(guardM, pg, sched)
	if err != nil {
		return err
	}
	var ready func(context.Context) error
	if pl, ok := em.(*cluster.Pipeline); ok {
		ready = pl.Ready // not ready while a worker is away; re-assigns one that returns
	}
	srv := server.New(m.Config, tok, eng, server.Options{Ready: ready, ModelName: *name, APIKey: *apiKey, Logger: log, Vision: vis, CORSOrigins: cors, Guard: guardOpts,
		MetricsKey: *metricsKey, BodyTimeout: *bodyTimeout, WriteTimeout: *writeTimeout, IdleTimeout: *idleTimeout, MaxImagePixels: *maxPixels, NoLazyTools: *noLazy, Weights: upd})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	events, err := kf.open(*name, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeEvents(events, log) // after the engine stopped (deferred below)
	if events != nil {
		eng.SetBlockObserver(events) // the prefix cache's blocks, as vLLM's KV events
	}
	sig, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sctx, sdone := drainAfter(sig, srv, kf.drainDelay, log)
	defer sdone()
	engDone := make(chan struct{})
	ectx, ecancel := context.WithCancel(context.Background())
	go func() { eng.Run(ectx); close(engDone) }()
	attrs := []any{"addr", "http://" + ln.Addr().String(), "model", *name, "ctx", ctx, "parallel", *parallel,
		"kv", kvdt.FlagName(), "prefix_cache", kvcache.Human(plan.PrefixCacheBytes)}
	if len(plan.Residents) > 0 {
		attrs = append(attrs, "beside", kvcache.ResidentList(plan.Residents, false))
	}
	log.Info("serving", append(attrs, "plan_total", kvcache.Human(plan.TotalBytes))...)
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

// planServe completes herd serve's plan in (the main model's slots and the
// residents beside them) with the prefix pool of prefixMB MiB (0: as much
// as the slots' KV caches, at least 64 MiB; none with noPrefix) and, when
// avail > 0, refuses a plan that does not fit in avail bytes, naming its
// parts and the flags that lower them.
func planServe(in kvcache.PlanInput, prefixMB int, noPrefix bool, avail int64) (kvcache.PlanInput, kvcache.Plan, error) {
	if !noPrefix {
		in.PrefixBytes = int64(prefixMB) << 20
		if prefixMB == 0 {
			in.PrefixBytes = max(kvcache.MakePlan(in).KVBytes, 64<<20)
		}
	}
	plan := kvcache.MakePlan(in)
	if avail > 0 {
		if err := kvcache.Fit(in, &plan, avail); err != nil {
			return in, plan, fmt.Errorf("%w (lower --ctx, --parallel or --prefix-cache-mb)", err)
		}
	}
	return in, plan, nil
}

// serveResidents are the models herd serve holds beside its main model,
// for its plan: the main model's vision tower (vis), Llama Guard (gm, with
// its own slots and vision tower) and Prompt Guard (pg), each with the
// flag that lowers it; nil ones are left out.
func serveResidents(vis *llama4.Vision, gm *llamaguard.Model, pg *promptguard.Guard) []kvcache.Resident {
	var rs []kvcache.Resident
	if vis != nil {
		rs = append(rs, vis.Resident("vision tower", "--quant lowers it"))
	}
	if gm != nil {
		rs = append(rs, gm.Resident("--guard-ctx, --guard-parallel or --guard-quant lower it"))
	}
	if pg != nil {
		rs = append(rs, kvcache.Resident{Name: "Prompt Guard", WeightBytes: pg.C.Model.WeightBytes(), ScratchBytes: pg.C.ScratchBytes(), Hint: "leave out --prompt-guard"})
	}
	return rs
}
