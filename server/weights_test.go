package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/tensor"
)

// TestWeights: /v1/weights swaps the served model's weights (the next
// completion runs on them), and refuses an update without weight updates
// on, without an API key, with the wrong key, with a stale or malformed
// version, or with tensors of the wrong shapes.
func TestWeights(t *testing.T) {
	m := tinymodel.ByteModel(t, tensor.F32, 11)
	sm := engine.NewSwapModel(m)
	o := engine.Options{Parallel: 2, Ctx: 256, KVType: tensor.F32, PrefillChunk: 64, QueueSize: 8}
	f := serve(t, sm, m, byteTokenizer(t), o, Options{ModelName: "tiny", APIKey: "k", Weights: &SwapWeights{Model: sm, Config: m.Config}})
	cfg := *m.Config
	cfg.Intermediate, cfg.IntermediateMLP = cfg.Intermediate+8, cfg.IntermediateMLP+8
	wide, err := checkpoint.RandomModel(&cfg, tensor.F32, 3)
	if err != nil {
		t.Fatal(err)
	}
	wdir := t.TempDir()
	if err := checkpoint.SaveHF(wide, wdir); err != nil {
		t.Fatal(err)
	}
	shapes := testmodel.ReadFile(t, wdir+"/model.safetensors")
	dir := t.TempDir()
	other := tinymodel.ByteModel(t, tensor.F32, 12)
	if err := checkpoint.SaveHF(other, dir); err != nil {
		t.Fatal(err)
	}
	good := testmodel.ReadFile(t, dir+"/model.safetensors")
	post := func(url, key string, body []byte) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, f.ts.URL+url, bytes.NewReader(body))
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	complete := func() string {
		code, body := post("/v1/completions", "k", []byte(`{"prompt":"abc","max_tokens":6,"temperature":0,"logprobs":0,"return_tokens_as_token_ids":true}`))
		if code != 200 {
			t.Fatalf("completion: %d %s", code, body)
		}
		var r struct {
			Choices []struct {
				Logprobs struct{ Tokens []string } `json:"logprobs"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		for _, tk := range r.Choices[0].Logprobs.Tokens {
			if !strings.HasPrefix(tk, "token_id:") {
				t.Fatalf("token %q is not token_id:N", tk)
			}
		}
		return strings.Join(r.Choices[0].Logprobs.Tokens, " ")
	}
	before := complete()
	truncated := good[:len(good)/2]
	cases := []struct {
		name, url, key string
		body           []byte
		code           int
		msg            string
	}{
		{"wrong key", "/v1/weights?version=1", "x", good, 401, "API key"},
		{"no version", "/v1/weights", "k", good, 400, "version"},
		{"bad version", "/v1/weights?version=-2", "k", good, 400, "version"},
		{"truncated", "/v1/weights?version=1", "k", truncated, 400, "weights"},
		{"wrong shapes", "/v1/weights?version=1", "k", shapes, 400, "weights"},
		{"update", "/v1/weights?version=3", "k", good, 200, `"version":3`},
		{"stale", "/v1/weights?version=3", "k", good, 409, "not newer"},
	}
	for _, tc := range cases {
		code, body := post(tc.url, tc.key, tc.body)
		if code != tc.code || !strings.Contains(body, tc.msg) {
			t.Fatalf("%s: %d %s, want %d with %q", tc.name, code, body, tc.code, tc.msg)
		}
	}
	if after := complete(); after == before {
		t.Fatalf("the completion is the same after the weight update: %s", after)
	}
	if sm.Version() != 3 {
		t.Fatalf("version %d, want 3", sm.Version())
	}
	noKey := serve(t, m, m, byteTokenizer(t), o, Options{ModelName: "tiny", Weights: &SwapWeights{Model: engine.NewSwapModel(m), Config: m.Config}})
	off := serve(t, m, m, byteTokenizer(t), o, Options{ModelName: "tiny"})
	for _, c := range []struct {
		f    *fixture
		code int
	}{{noKey, 403}, {off, 404}} {
		resp, err := http.Post(c.f.ts.URL+"/v1/weights?version=1", "application/octet-stream", bytes.NewReader(good))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.code {
			t.Fatalf("status %d, want %d", resp.StatusCode, c.code)
		}
	}
}
