package cluster

import (
	"fmt"
	"io"
	"time"

	"github.com/herd-llm/herd/kvcache"
)

// WriteStages prints each stage's share of the memory, one line per stage,
// the leader first.
func (p *Pipeline) WriteStages(w io.Writer) {
	for _, s := range p.stages {
		fmt.Fprintf(w, "stage %s: weights %s + KV %s\n", s.Name(), kvcache.Human(s.Plan.WeightBytes), kvcache.Human(s.Plan.KVBytes))
	}
}

// Write prints the traffic on one line: calls, tokens, bytes per token
// each way, and each stage's time with, for the workers, the part spent in
// transport.
func (st Stats) Write(w io.Writer) {
	fmt.Fprintf(w, "cluster: %d calls, %d tokens, %.0f bytes/token sent + %.0f received; per stage, time (transport):",
		st.Calls, st.Tokens, float64(st.Sent)/float64(max(st.Tokens, 1)), float64(st.Recv)/float64(max(st.Tokens, 1)))
	for i, d := range st.StageTime {
		fmt.Fprintf(w, " %d=%v", i, d.Round(time.Millisecond))
		if i > 0 {
			fmt.Fprintf(w, " (%v)", (d - st.StageCompute[i]).Round(10*time.Microsecond))
		}
	}
	fmt.Fprintln(w)
}
