package server

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/engine"
)

// fakeEngine answers every request with fixed tokens, or refuses with err,
// without a model: the server depends only on the Engine interface.
type fakeEngine struct {
	reply []int32
	err   error
	got   []*engine.Request
}

func (f *fakeEngine) Submit(_ context.Context, r *engine.Request) (*engine.Stream, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.got = append(f.got, r)
	st := engine.NewStream()
	for _, id := range f.reply {
		st.Push(engine.Event{Token: id}, false)
	}
	st.Push(engine.Event{Done: true, Finish: "length", Usage: engine.Usage{PromptTokens: len(r.Prompt), CompletionTokens: len(f.reply)}}, true)
	return st, nil
}

func (f *fakeEngine) Ctx() int            { return 128 }
func (f *fakeEngine) Stats() engine.Stats { return engine.Stats{} }
func (f *fakeEngine) Shutdown()           {}

func TestFakeEngine(t *testing.T) {
	cfg, err := checkpoint.PresetConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg.EOS = []int{257}
	for _, tc := range []struct {
		eng    *fakeEngine
		status int
		text   string
	}{
		{&fakeEngine{reply: []int32{'o', 'k'}}, 200, "ok"},
		{&fakeEngine{err: engine.ErrQueueFull}, 429, ""},
		{&fakeEngine{err: engine.ErrInvalidRequest}, 400, ""},
	} {
		srv := New(cfg, byteTokenizer(t), tc.eng, Options{ModelName: "fake"})
		ts := httptest.NewServer(srv.Handler())
		resp, body := post(t, &fixture{ts: ts}, "/v1/completions", `{"prompt":"hi","max_tokens":2}`)
		ts.Close()
		if resp.StatusCode != tc.status {
			t.Fatalf("%v: status %d: %s", tc.eng.err, resp.StatusCode, body)
		}
		if tc.status != 200 {
			continue
		}
		var out struct {
			Choices []struct{ Text string } `json:"choices"`
		}
		json.Unmarshal(body, &out)
		if len(out.Choices) != 1 || out.Choices[0].Text != tc.text {
			t.Errorf("answer %s, want %q", body, tc.text)
		}
		if r := tc.eng.got[0]; r.MaxTokens != 2 || len(r.StopIDs) == 0 {
			t.Errorf("request %+v: want max 2 tokens and the stop set", r)
		}
	}
}
