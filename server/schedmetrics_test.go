package server

import (
	"strings"
	"testing"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/tensor"
)

// TestSchedulerMetrics: each engine sharing the guard's scheduler has its
// wait, busy time and steps in /metrics.
func TestSchedulerMetrics(t *testing.T) {
	s := engine.NewScheduler(0)
	for _, o := range []engine.Options{{Name: "main"}, {Name: "guard", Urgent: true}} {
		o.Parallel, o.Ctx, o.KVType, o.PrefillChunk, o.Scheduler = 1, 16, tensor.F32, 8, s
		if _, err := engine.New(tinymodel.ByteModel(t, tensor.F32, 1), o); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	writeScheduler(&b, s)
	for _, want := range []string{
		"# TYPE herd_scheduler_wait_seconds_total counter\n",
		`herd_scheduler_wait_seconds_total{engine="main"} 0`,
		`herd_scheduler_busy_seconds_total{engine="guard"} 0`,
		`herd_scheduler_steps_total{engine="main"} 0`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %s:\n%s", want, b.String())
		}
	}
	b.Reset()
	writeScheduler(&b, nil)
	if b.Len() != 0 {
		t.Errorf("metrics of no scheduler: %s", b.String())
	}
}
