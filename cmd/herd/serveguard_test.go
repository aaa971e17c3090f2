package main

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/guard/promptguard"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/server"
)

// TestGuardServePromptGuard wires --prompt-guard, without --guard, as herd
// serve does: the main engine and Prompt Guard's passes share a scheduler,
// a screened request's check takes turns of it under "prompt-guard", and
// /metrics reports them.
func TestGuardServePromptGuard(t *testing.T) {
	var f serveGuardFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	f.define(fs)
	if err := fs.Parse([]string{"--prompt-guard", filepath.Join(testmodel.Root(t), "guard", "promptguard", "testdata", "tiny"), "--prompt-guard-threshold", "1"}); err != nil {
		t.Fatal(err)
	}
	sched := f.scheduler(nil)
	if sched == nil {
		t.Fatal("no scheduler for --prompt-guard")
	}
	pg, err := f.openPrompt(fs)
	if err != nil {
		t.Fatal(err)
	}
	m, tok, eng := startByteEngine(t, byteModel(t), sched)
	o, err := f.start(nil, pg, sched)
	if err != nil {
		t.Fatal(err)
	}
	if o.Classifier != nil || o.Prompt == nil || o.Scheduler != sched {
		t.Fatalf("guard options %+v", o)
	}
	ts := httptest.NewServer(server.New(m.Config, tok, eng, server.Options{ModelName: "main", Guard: o}).Handler())
	defer ts.Close()
	resp, err := http.Post(ts.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"messages":[{"role":"user","content":"hi"}],"max_tokens":4}`))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("chat: %d", resp.StatusCode)
	}
	st := sched.Stats()
	if len(st) != 2 || st[0].Name != "main" || st[1].Name != promptguard.TaskName || !st[1].Urgent || st[1].Steps != 1 || st[0].Steps == 0 {
		t.Fatalf("scheduler stats %+v", st)
	}
	resp, err = http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `herd_scheduler_steps_total{engine="prompt-guard"} 1`) {
		t.Errorf("metrics lack Prompt Guard's turns:\n%s", b)
	}
}
