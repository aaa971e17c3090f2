package bench

import (
	"fmt"
	"io"
	"strings"

	"github.com/herd-llm/herd/cluster"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/model/llama4"
)

// StagedModel is a model run across pipeline stages: *cluster.Pipeline.
type StagedModel interface {
	engine.Model
	Stages() []cluster.Stage
	Stats() cluster.Stats
}

// StageRow is one pipeline stage's share of a test (herd bench --workers):
// its time and the bytes it moved, per token that passed through it.
type StageRow struct {
	Stage string `json:"stage"` // "leader (layers 0–3)", "host:port (layers 4–7)"
	// MsPerToken is the stage's time per token: the leader's own compute,
	// or a worker call's round trip as the leader sees it.
	MsPerToken float64 `json:"ms_per_token"`
	// TransportMsPerToken is the part of a worker's round trip it did not
	// report as compute (encoding, TLS, HTTP/2, network, --cluster-delay).
	TransportMsPerToken float64 `json:"transport_ms_per_token,omitempty"`
	// BytesPerToken are the forward calls' and replies' bytes per token.
	BytesPerToken float64 `json:"bytes_per_token"`
}

// runner is what the tests run on: the pipeline when there is one, else m.
func (s *Suite) runner(m *llama4.Model) engine.Model {
	if s.Pipeline != nil {
		return s.Pipeline
	}
	return m
}

// measured runs a test, which appends its rows to *rows, and gives the
// last of them the stages' shares of the test's traffic.
func (s *Suite) measured(rows *[]Row, f func() error) error {
	var before cluster.Stats
	if s.Pipeline != nil {
		before = s.Pipeline.Stats()
	}
	if err := f(); err != nil {
		return err
	}
	if s.Pipeline != nil {
		(*rows)[len(*rows)-1].Stages = stageRows(s.Pipeline, before, s.Pipeline.Stats())
	}
	return nil
}

// stageRows are the stages' shares of the traffic between two snapshots of
// a pipeline's counters (nil without a pipeline or tokens).
func stageRows(p StagedModel, before, after cluster.Stats) []StageRow {
	tok := float64(after.Tokens - before.Tokens)
	if p == nil || tok == 0 {
		return nil
	}
	var out []StageRow
	for i, st := range p.Stages() {
		if i > 0 && st.Lo == st.Hi {
			continue // a worker without layers is never called
		}
		t := after.StageTime[i] - before.StageTime[i]
		r := StageRow{Stage: st.Name(), MsPerToken: float64(t.Microseconds()) / 1e3 / tok,
			BytesPerToken: float64(after.StageSent[i]-before.StageSent[i]+after.StageRecv[i]-before.StageRecv[i]) / tok}
		if i > 0 {
			c := after.StageCompute[i] - before.StageCompute[i]
			r.TransportMsPerToken = float64((t - c).Microseconds()) / 1e3 / tok
		}
		out = append(out, r)
	}
	return out
}

// writeStages writes the stage columns of the rows that have them.
func writeStages(w io.Writer, rows []Row) {
	header := false
	for _, r := range rows {
		for _, st := range r.Stages {
			if !header {
				fmt.Fprintf(w, "%-12s %-36s %10s %13s %12s\n", "test", "stage", "ms/token", "transport ms", "bytes/token")
				header = true
			}
			tr := "–" // the leader's time is all its own compute
			if !strings.HasPrefix(st.Stage, "leader") {
				tr = fmt.Sprintf("%.3f", st.TransportMsPerToken)
			}
			fmt.Fprintf(w, "%-12s %-36s %10.3f %13s %12.0f\n", r.Test, st.Stage, st.MsPerToken, tr, st.BytesPerToken)
		}
	}
}
