package rl

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// gate is the actor/learner handshake of one round: the actor may start a
// group only while accepted + in-flight groups < (steps done + 1 +
// Staleness) × GroupsPerStep, and the learner consumes the accepted groups
// in the order they were started (a reorder buffer keyed by sequence
// number). Together these bound every consumed group's age by Staleness
// policy versions: when group i starts at d steps done, fewer than
// (d + 1 + Staleness) × GroupsPerStep groups started before it are
// accepted (the others are dropped, or were discarded after the round's
// target was reached), so it is in one of the first d + 1 + Staleness
// batches. Consuming groups in completion order instead let a slow group
// be overtaken by newer ones and reach the learner too late.
type gate struct {
	mu       sync.Mutex
	cond     *sync.Cond
	done     int // learner steps taken in the round
	accepted int // groups accepted for the learner
	inflight int
	dropped  int  // zero-advantage groups dropped
	started  int  // groups started (sequence numbers 0…started−1)
	finished bool // the actor starts no more groups
	stop     bool
	// ready holds the finished groups by sequence number: the group, or
	// nil when it was dropped or discarded.
	ready map[int64]*Group
}

// next returns the accepted groups in sequence order from *seq on, up to
// n of them, waiting for the ones still in flight; fewer when the actor
// has finished and no started group is left.
func (g *gate) next(ctx context.Context, seq *int64, n int) []Group {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Group
	for len(out) < n {
		grp, ok := g.ready[*seq]
		if !ok {
			if (g.finished && *seq >= int64(g.started)) || g.stop || ctx.Err() != nil {
				return out
			}
			g.cond.Wait()
			continue
		}
		delete(g.ready, *seq)
		*seq++
		if grp != nil {
			out = append(out, *grp)
		}
	}
	return out
}

// train runs up to `steps` learner steps on groups of the kept prompts
// (each used once: a round whose prompts run out ends early, and the next
// re-filters), the actor generating concurrently with the learner.
func (r *Run) train(ctx context.Context, kept []candidate, steps int, keptFrac float64) error {
	c := &r.Cfg
	B, target := c.GroupsPerStep, steps*c.GroupsPerStep
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	g := &gate{ready: map[int64]*Group{}}
	g.cond = sync.NewCond(&g.mu)
	var wg sync.WaitGroup
	var actorErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		actorErr = r.actor(ctx, kept, g, target)
		g.mu.Lock()
		g.finished = true
		g.cond.Broadcast()
		g.mu.Unlock()
		if actorErr != nil {
			cancel(actorErr)
		}
	}()
	stopWaiters := context.AfterFunc(ctx, func() {
		g.mu.Lock()
		g.cond.Broadcast()
		g.mu.Unlock()
	})
	defer stopWaiters()
	defer func() {
		g.mu.Lock()
		g.stop = true
		g.cond.Broadcast()
		g.mu.Unlock()
		cancel(nil)
		wg.Wait()
	}()
	var seq int64
	for s := 0; s < steps; s++ {
		batch := g.next(ctx, &seq, B)
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if len(batch) == 0 {
			return nil // the kept prompts are used up
		}
		if err := r.learn(ctx, batch, g, keptFrac); err != nil {
			return err
		}
		g.mu.Lock()
		g.done++
		g.cond.Broadcast()
		g.mu.Unlock()
	}
	return nil
}

// learn takes one learner step on batch and pushes the new policy.
func (r *Run) learn(ctx context.Context, batch []Group, g *gate, keptFrac float64) error {
	c := &r.Cfg
	t0 := time.Now()
	var row logRow
	maxStale := 0
	for i := range batch {
		st := r.Step - int(batch[i].Version)
		if st > c.Staleness {
			return fmt.Errorf("rl: group %d is %d versions old, above the bound %d (a generator that did not install the pushed weights?)", batch[i].Seq, st, c.Staleness)
		}
		maxStale = max(maxStale, st)
		row.Staleness += float64(st) / float64(len(batch))
		for _, e := range batch[i].Episodes {
			row.Reward += e.Reward
			if e.Correct {
				row.PassRate++
			}
			row.Episodes++
		}
	}
	row.Reward /= float64(row.Episodes)
	row.PassRate /= float64(row.Episodes)
	st, err := r.Learner.Step(batch)
	if err != nil {
		return fmt.Errorf("rl: step %d: %w", r.Step+1, err)
	}
	r.Step++
	if err := r.Roller.Gen.UpdateWeights(ctx, r.Learner.Params, int64(r.Step)); err != nil {
		return fmt.Errorf("rl: pushing policy version %d: %w", r.Step, err)
	}
	g.mu.Lock()
	row.Dropped = g.dropped
	g.mu.Unlock()
	el := r.elapsed()
	row.Step, row.Round, row.Elapsed = r.Step, r.Round+1, el
	row.KeptFrac, row.MaxStale, row.Groups = keptFrac, maxStale, len(batch)
	row.Loss, row.GradNorm, row.LR = st.Loss, st.GradNorm, st.LR
	row.ClipFrac, row.BehavIW, row.KL, row.Tokens = st.Policy.ClipFrac, st.Policy.MeanBehavIW, st.Policy.KL, st.Tokens
	row.SamplesPerSec = float64(r.samples.Load()) / time.Since(r.start).Seconds()
	if r.log != nil {
		r.log.write(row)
	}
	eta := time.Duration(float64(time.Since(r.start)) / float64(max(1, r.Step-r.startStep())) * float64(c.Steps-r.Step))
	r.printf("step %d/%d | round %d | reward %.3f | pass %.1f%% | kept %.0f%% | dropped %d | staleness %.2f (max %d) | loss %.4f | w_behav %.3f | %.1f samples/s | step %v | ETA %v\n",
		r.Step, c.Steps, row.Round, row.Reward, 100*row.PassRate, 100*keptFrac, row.Dropped, row.Staleness, maxStale, row.Loss,
		row.BehavIW, row.SamplesPerSec, time.Since(t0).Round(time.Millisecond), eta.Round(time.Second))
	if math.IsNaN(row.Loss) {
		return fmt.Errorf("rl: loss is NaN at step %d", r.Step)
	}
	return nil
}

// actor generates one group of each kept prompt, in turn, under the gate,
// putting every finished group in the gate's reorder buffer (nil when it is
// dropped or past the target) until target are accepted or the prompts
// run out.
func (r *Run) actor(ctx context.Context, kept []candidate, g *gate, target int) error {
	c := &r.Cfg
	B := c.GroupsPerStep
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	defer wg.Wait()
	for i := 0; ; i++ {
		g.mu.Lock()
		for !g.stop && g.accepted < target &&
			(g.accepted+g.inflight >= (g.done+1+c.Staleness)*B || g.inflight >= c.Concurrency) {
			g.cond.Wait()
		}
		if g.stop || g.accepted >= target || i >= len(kept) || ctx.Err() != nil {
			g.mu.Unlock()
			wg.Wait()
			return firstErr
		}
		g.inflight++
		g.started++
		g.mu.Unlock()
		cd := kept[i]
		seq := int64(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			grp, err := r.group(ctx, cd, seq)
			g.mu.Lock()
			defer g.mu.Unlock()
			defer g.cond.Broadcast()
			g.inflight--
			g.ready[seq] = nil
			if err != nil {
				once.Do(func() { firstErr = err })
				g.stop = true
				return
			}
			if g.stop || g.accepted >= target {
				return
			}
			if c.DropZero && grp.ZeroAdvantage() {
				g.dropped++
				return
			}
			g.accepted++
			g.ready[seq] = &grp
		}()
	}
}

// group rolls out GroupSize episodes of one kept prompt.
func (r *Run) group(ctx context.Context, cd candidate, seq int64) (Group, error) {
	c := &r.Cfg
	eps, err := r.Roller.Rollout(ctx, c.Tasks[cd.task], &cd.prompt, c.GroupSize, c.Temperature, seedOf(c.Seed, 2, uint64(r.Round), uint64(seq)))
	if err != nil {
		return Group{}, err
	}
	g := Group{Seq: seq, Task: cd.task, Key: cd.prompt.Key, Episodes: eps}
	if err := r.advantages(&g); err != nil {
		return Group{}, err
	}
	r.countSamples(len(eps))
	return g, nil
}
