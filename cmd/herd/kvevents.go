package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/herd-llm/herd/kvevents"
)

// kvEventFlags are herd serve's KV-cache event and drain flags.
type kvEventFlags struct {
	endpoint, replay, format, pod string
	drainDelay                    time.Duration
}

func (f *kvEventFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.endpoint, "kv-events", "", "publish KV-cache events (vLLM's format, for llm-d's prefix-aware routing) on this ZeroMQ PUB `endpoint`, e.g. tcp://*:5557")
	fs.StringVar(&f.replay, "kv-events-replay", "", "answer KV-event replay requests (vLLM's ROUTER protocol) on this `endpoint`, e.g. tcp://*:5558")
	fs.StringVar(&f.format, "kv-events-format", "arrays", "KV-event encoding: arrays (positional, what llm-d decodes) or maps (vLLM's 2026 tagged maps)")
	fs.StringVar(&f.pod, "pod", defaultPod(), "this replica's name in the KV-event topic kv@<pod>@<model> (default $POD_NAME, else the host name)")
	fs.DurationVar(&f.drainDelay, "drain-delay", 0, "on SIGTERM, report not-ready on /ready (and refuse new requests with 503) this long before closing the listener, so load balancers notice first")
}

func defaultPod() string {
	if p := os.Getenv("POD_NAME"); p != "" {
		return p
	}
	h, _ := os.Hostname()
	return h
}

// open starts the publisher for model; nil without --kv-events.
func (f *kvEventFlags) open(model string, log *slog.Logger) (*kvevents.Publisher, error) {
	if f.drainDelay < 0 {
		return nil, usagef("--drain-delay must not be negative")
	}
	if f.endpoint == "" {
		if f.replay != "" {
			return nil, usagef("--kv-events-replay needs --kv-events")
		}
		return nil, nil
	}
	format, err := kvevents.ParseFormat(f.format)
	if err != nil {
		return nil, usagef("--kv-events-format: %v", err)
	}
	p, err := kvevents.New(kvevents.Options{Endpoint: f.endpoint, ReplayEndpoint: f.replay, Pod: f.pod, Model: model, Format: format})
	if err != nil {
		return nil, fmt.Errorf("--kv-events: %w", err)
	}
	args := []any{"addr", "tcp://" + p.Addr().String(), "topic", p.Topic(), "format", format}
	if a := p.ReplayAddr(); a != nil {
		args = append(args, "replay", "tcp://"+a.String())
	}
	log.Info("kv events", args...)
	return p, nil
}

// drainer is what draining needs of the server (*server.Server).
type drainer interface{ Drain() }

// drainAfter returns the context herd serve's server runs under: on a
// signal (sig done) it drains srv at once and ends delay later, when Serve
// stops accepting and lets running streams finish.
func drainAfter(sig context.Context, srv drainer, delay time.Duration, log *slog.Logger) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-ctx.Done():
			return
		case <-sig.Done():
		}
		srv.Drain()
		log.Info("draining", "delay", delay)
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
		cancel()
	}()
	return ctx, cancel
}

// closeEvents, after the engine stopped, tells subscribers that this
// replica's cache is gone (AllBlocksCleared) and closes the publisher.
func closeEvents(p *kvevents.Publisher, log *slog.Logger) {
	if p == nil {
		return
	}
	p.AllBlocksCleared()
	if err := p.Close(); err != nil {
		log.Warn("closing kv events", "err", err)
	}
}
