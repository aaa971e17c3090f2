package server

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
)

// TestReadyFollowsOptionsReady: /ready answers 503 with the reason while
// Options.Ready fails (a pipeline's worker is away), 200 once it passes
// again, and /health stays 200 throughout.
func TestReadyFollowsOptionsReady(t *testing.T) {
	var down atomic.Bool
	o := Options{Ready: func(context.Context) error {
		if down.Load() {
			return errors.New("cluster: worker 10.0.0.2:7070 (layers 4–7) unreachable")
		}
		return nil
	}}
	f := fakeServer(t, New(fakeConfig(t), byteTokenizer(t), &fakeEngine{}, o))
	for i, tc := range []struct {
		down         bool
		status       int
		body, health string
	}{
		{false, 200, "ready", "ok"},
		{true, 503, "not ready: cluster: worker 10.0.0.2:7070 (layers 4–7) unreachable", "ok"},
		{true, 503, "not ready: cluster: worker", "ok"},
		{false, 200, "ready", "ok"},
	} {
		down.Store(tc.down)
		status, _, body := get(t, f.ts.URL+"/ready")
		if status != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("probe %d: /ready %d %q, want %d %q", i, status, body, tc.status, tc.body)
		}
		if status, _, body := get(t, f.ts.URL+"/health"); status != 200 || !strings.Contains(body, tc.health) {
			t.Errorf("probe %d: /health %d %q", i, status, body)
		}
	}
}
