package server

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/tokenizer"
)

// byteTokenizer is a Llama-4-format tokenizer with one rank per byte (256)
// followed by the 2048 Llama 4 special tokens.
func byteTokenizer(t testing.TB) *tokenizer.Tokenizer {
	var b strings.Builder
	for i := 0; i < 256; i++ {
		fmt.Fprintf(&b, "%s %d\n", base64.StdEncoding.EncodeToString([]byte{byte(i)}), i)
	}
	tok, err := tokenizer.ParseTiktoken([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type fixture struct {
	srv *Server
	ts  *httptest.Server
	eng *engine.Engine
	m   *llama4.Model
	tok *tokenizer.Tokenizer
}

// newFixture serves a small random Llama-4-shaped model (every feature of the
// architecture, vocabulary 256 bytes + 2048 specials) on a test HTTP server.
func newFixture(t testing.TB, o engine.Options, so Options) *fixture {
	t.Helper()
	cfg, err := checkpoint.PresetConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg.VocabSize = 256 + 2048
	cfg.BOS, cfg.EOS = 256, []int{257, 263, 264}
	m, err := checkpoint.RandomModel(cfg, tensor.F32, 11)
	if err != nil {
		t.Fatal(err)
	}
	if o.Parallel == 0 {
		o = engine.Options{Parallel: 4, Ctx: 512, KVType: tensor.F32, PrefillChunk: 64, QueueSize: 32}
	}
	eng, err := engine.New(m, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	if so.ModelName == "" {
		so.ModelName = "tiny-test"
	}
	tok := byteTokenizer(t)
	srv := New(m.Config, tok, eng, so)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); cancel(); <-done })
	return &fixture{srv: srv, ts: ts, eng: eng, m: m, tok: tok}
}

// emptyEngine asks newFixture for its default engine options.
var emptyEngine = engine.Options{}
