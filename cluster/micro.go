package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/herd-llm/herd/model/llama4"
)

// ForwardBatch runs the batch through every stage: embeddings and the
// leader's layers here, then each worker's layers, then the head here.
//
// The batch is cut into micro-batches of whole sequences (Options.MicroBatches),
// each with about the same number of tokens, and each runs in its own
// goroutine through the stages in order; a stage (the leader's compute, or
// one worker) takes one micro-batch at a time, so while worker 1 runs the
// first micro-batch the leader already runs the second. A sequence's tokens
// stay together, so each stage runs, per sequence, exactly the rows one
// process would, and the logits are the same bit for bit.
//
// On any failure every cache of the batch is reset (a partial step may have
// overwritten a chunked layer's ring), and the error names the stage.
// hidden must be nil: per-layer hidden states stay on the stage that
// computed them.
func (p *Pipeline) ForwardBatch(seqs []llama4.Seq, hidden func(stage int, h []float32)) ([][]float32, error) {
	if hidden != nil {
		return nil, errors.New("cluster: per-layer hidden states are not available from a pipeline")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if tokens(seqs) == 0 {
		_, err := p.local.Embed(seqs) // the leader's own check of an empty batch
		return nil, err
	}
	groups := microBatches(seqs, p.microBatchCount(tokens(seqs)))
	free := p.takeFreed()
	wire := make([]wireSeq, len(seqs))
	for i, sq := range seqs {
		wire[i] = wireSeq{id: p.seqID(sq.Cache), p0: sq.Cache.Len(), maxLen: sq.Cache.MaxLen(), ids: sq.IDs}
	}
	outs := make([][][]float32, len(groups))
	errs := make([]error, len(groups))
	var wg sync.WaitGroup
	for k, g := range groups {
		msg := &forwardMsg{seqs: wire[g.lo:g.hi]}
		if k == 0 {
			msg.free = free // every worker frees them with the first micro-batch
		}
		wg.Go(func() { outs[k], errs[k] = p.microBatch(seqs[g.lo:g.hi], msg) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if errs[0] != nil { // some worker may not have freed them
			p.freeMu.Lock()
			p.freed = append(p.freed, free...)
			p.freeMu.Unlock()
		}
		for _, sq := range seqs {
			sq.Cache.Reset()
		}
		return nil, fmt.Errorf("%w (the batch's %d sequences were reset)", err, len(seqs))
	}
	out := make([][]float32, 0, len(seqs))
	for _, o := range outs {
		out = append(out, o...)
	}
	p.statsMu.Lock()
	p.stats.Calls++
	p.stats.MicroBatches += int64(len(groups))
	p.stats.Tokens += int64(tokens(seqs))
	p.statsMu.Unlock()
	return out, nil
}

// minMicroTokens is the fewest tokens the default cut gives a micro-batch.
// Below about this many rows a layer costs what reading its weights costs,
// whatever the rows (decode is memory-bound): cutting such a batch makes
// every stage read its weights once per micro-batch instead of once, which
// costs more than the overlap gains.
const minMicroTokens = 16

// microBatchCount is the number of micro-batches a forward pass of tokens
// tokens is cut into (before capping at its number of sequences): the
// option when set, else one per stage with layers while each gets at least
// minMicroTokens tokens.
func (p *Pipeline) microBatchCount(tokens int) int {
	if p.o.MicroBatches > 0 {
		return p.o.MicroBatches
	}
	return max(1, min(1+len(p.cl), tokens/minMicroTokens))
}

// span is a micro-batch: sequences [lo, hi) of the batch.
type span struct{ lo, hi int }

// microBatches cuts seqs into at most n consecutive non-empty groups of
// about the same number of tokens (a sequence is never split).
func microBatches(seqs []llama4.Seq, n int) []span {
	n = max(1, min(n, len(seqs)))
	total := tokens(seqs)
	var out []span
	lo, acc := 0, 0
	for i, sq := range seqs {
		acc += len(sq.IDs)
		k := len(out) + 1 // the group being filled
		left := len(seqs) - i - 1
		// close it once it holds its share, or when every later sequence
		// is needed to give the remaining groups one each
		if k < n && i+1 > lo && (acc*n >= k*total || left == n-k) {
			out = append(out, span{lo, i + 1})
			lo = i + 1
		}
	}
	return append(out, span{lo, len(seqs)})
}

func tokens(seqs []llama4.Seq) int {
	n := 0
	for _, sq := range seqs {
		n += len(sq.IDs)
	}
	return n
}

// microBatch runs one micro-batch through every stage and returns its
// sequences' logits.
func (p *Pipeline) microBatch(seqs []llama4.Seq, msg *forwardMsg) ([][]float32, error) {
	st0 := p.stages[0]
	h, err := p.onLeader(func() ([]float32, error) {
		h, err := p.local.Embed(seqs)
		if err == nil {
			err = p.local.ForwardLayers(seqs, h, st0.Lo, st0.Hi)
		}
		return h, err
	})
	if err != nil {
		return nil, err
	}
	for i, c := range p.cl {
		msg.hidden = h
		if h, err = p.remote(c, p.stageOf(i), msg); err != nil {
			return nil, err
		}
	}
	var out [][]float32
	_, err = p.onLeader(func() ([]float32, error) {
		for _, sq := range seqs {
			sq.Cache.Commit(sq.IDs)
		}
		out, err = p.local.Logits(seqs, h, nil)
		return nil, err
	})
	return out, err
}

// onLeader runs f as the leader's compute (one micro-batch at a time) and
// counts its time as stage 0's.
func (p *Pipeline) onLeader(f func() ([]float32, error)) ([]float32, error) {
	p.leaderMu.Lock()
	t := time.Now()
	h, err := f()
	d := time.Since(t)
	p.leaderMu.Unlock()
	p.statsMu.Lock()
	p.stats.StageTime[0] += d
	p.statsMu.Unlock()
	return h, err
}

// remote runs one worker's layers over msg.hidden and returns the result;
// a worker that lost its assignment (restarted) is re-assigned and called
// once more. The simulated hop delays are slept outside the worker's turn
// (a message on the wire does not keep the worker busy).
func (p *Pipeline) remote(c *client, stage int, msg *forwardMsg) ([]float32, error) {
	t := time.Now()
	time.Sleep(p.o.HopDelay)
	reply, hdr, sent, err := p.callForward(c, msg)
	if err != nil {
		return nil, err
	}
	time.Sleep(p.o.HopDelay)
	d := time.Since(t)
	p.statsMu.Lock()
	p.stats.Sent += int64(sent)
	p.stats.Recv += int64(len(reply))
	p.stats.StageSent[stage] += int64(sent)
	p.stats.StageRecv[stage] += int64(len(reply))
	p.stats.StageTime[stage] += d
	if ns, err := strconv.ParseInt(hdr.Get(headerCompute), 10, 64); err == nil {
		p.stats.StageCompute[stage] += time.Duration(ns)
	}
	p.statsMu.Unlock()
	out, err := readF32(reply)
	if err == nil && len(out) != len(msg.hidden) {
		err = fmt.Errorf("%d hidden values back for %d sent", len(out), len(msg.hidden))
	}
	if err != nil {
		return nil, c.fail(codeBad, err)
	}
	return out, nil
}

// callForward sends msg to the worker in its turn, re-assigning it once
// when it lost its stage; it returns the reply, its header and the bytes
// sent.
func (p *Pipeline) callForward(c *client, msg *forwardMsg) ([]byte, http.Header, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx := context.Background()
	for try := 0; ; try++ {
		m := *msg
		m.assign = c.assign
		body := appendForward(nil, &m)
		reply, hdr, err := c.callHeader(ctx, pathForward, body)
		var we *WorkerError
		if try == 0 && errors.As(err, &we) && we.Code == codeUnassigned {
			if err := p.connect(ctx, c); err != nil {
				return nil, nil, 0, err
			}
			continue
		}
		return reply, hdr, len(body), err
	}
}
