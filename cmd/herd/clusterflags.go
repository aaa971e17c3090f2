package main

import (
	"flag"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/herd-llm/herd/cluster"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// clusterFlags are the leader's flags of pipeline-parallel inference:
// --workers, --split, --micro-batches and --cluster-delay.
type clusterFlags struct {
	workers, split string
	delay          time.Duration
	micro          int
}

func (f *clusterFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.workers, "workers", "", "run later layers on herd worker processes, host:port,... (pipeline parallelism; needs $"+cluster.SecretEnv+")")
	fs.StringVar(&f.split, "split", "", "with --workers: layers per process, this one first (e.g. 2,2); default: in proportion to each one's memory")
	fs.IntVar(&f.micro, "micro-batches", 0, "with --workers: cut each batch into this many groups of sequences that flow through the stages one behind the other (0: one per stage while each gets 16+ tokens; 1: no overlap)")
	fs.DurationVar(&f.delay, "cluster-delay", 0, "with --workers: sleep this long per one-way hop (a simulated network latency, for measurements)")
}

func (f *clusterFlags) on() bool { return f.workers != "" }

// check refuses flag combinations a pipeline cannot run, before loading.
func (f *clusterFlags) check(quant string) error {
	if !f.on() {
		if f.split != "" || f.delay != 0 || f.micro != 0 {
			return usagef("--split, --micro-batches and --cluster-delay need --workers")
		}
		return nil
	}
	if f.micro < 0 {
		return usagef("--micro-batches %d: want 0 or more", f.micro)
	}
	if quant != "" {
		return usagef("--quant with --workers: quantize once with herd convert and load that file on every host")
	}
	return nil
}

// model returns m itself without --workers, else a pipeline over m and the
// workers for seqs sequences of ctx tokens and prefill batches of batch tokens;
// done prints the pipeline's traffic (unless quiet) and closes it.
func (f *clusterFlags) model(m *llama4.Model, ctx, batch int, kv tensor.DType, seqs int, stderr io.Writer, quiet bool) (em engine.Model, done func(), err error) {
	if !f.on() {
		return m, func() {}, nil
	}
	auth, err := cluster.AuthFromEnv()
	if err != nil {
		return nil, nil, err
	}
	o := cluster.Options{Workers: strings.Split(f.workers, ","), Auth: auth, Ctx: ctx, Sequences: seqs, Batch: min(batch, ctx), KV: kv, HopDelay: f.delay, MicroBatches: f.micro}
	if f.split != "" {
		for _, s := range strings.Split(f.split, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				return nil, nil, usagef("--split %q: %v", f.split, err)
			}
			o.Counts = append(o.Counts, n)
		}
	}
	p, err := cluster.New(m, o)
	if err != nil {
		return nil, nil, err
	}
	if !quiet {
		p.WriteStages(stderr)
	}
	return p, func() {
		defer p.Close()
		if !quiet {
			p.Stats().Write(stderr)
		}
	}, nil
}
