package server

import (
	"fmt"
	"io"

	"github.com/herd-llm/herd/engine"
)

// writeScheduler appends each engine's (and task's: Prompt Guard's) turns
// of a shared scheduler (none for nil) to /metrics.
func writeScheduler(w io.Writer, s *engine.Scheduler) {
	if s == nil {
		return
	}
	st := s.Stats()
	for _, m := range []struct {
		name, help string
		v          func(engine.SchedulerStats) float64
	}{
		{"herd_scheduler_wait_seconds_total", "Time each engine sharing the scheduler (the main model's, the guard's; prompt-guard: Prompt Guard's passes) waited for its turn.", func(s engine.SchedulerStats) float64 { return s.Wait.Seconds() }},
		{"herd_scheduler_busy_seconds_total", "Time each engine sharing the scheduler spent in its steps.", func(s engine.SchedulerStats) float64 { return s.Busy.Seconds() }},
		{"herd_scheduler_steps_total", "Steps (forward passes) each engine sharing the scheduler ran.", func(s engine.SchedulerStats) float64 { return float64(s.Steps) }},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", m.name, m.help, m.name)
		for _, e := range st {
			fmt.Fprintf(w, "%s{engine=%q} %g\n", m.name, e.Name, m.v(e))
		}
	}
}
