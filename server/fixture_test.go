package server

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/tokenizer"
)

// byteTokenizer is a Llama-4-format tokenizer with one rank per byte (256)
// followed by the 2048 Llama 4 special tokens.
func byteTokenizer(t testing.TB) *tokenizer.Tokenizer { return tinymodel.ByteTokenizer(t) }

type fixture struct {
	srv *Server
	ts  *httptest.Server
	eng *engine.Engine
	m   *llama4.Model
	tok *tokenizer.Tokenizer
}

// serve runs an engine over em (whose caches and configuration m gives) and
// serves it with tok on a test HTTP server; all stop when the test ends.
func serve(t testing.TB, em engine.Model, m *llama4.Model, tok *tokenizer.Tokenizer, o engine.Options, so Options) *fixture {
	t.Helper()
	eng, err := engine.New(em, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	srv := New(m.Config, tok, eng, so)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); cancel(); <-done })
	return &fixture{srv: srv, ts: ts, eng: eng, m: m, tok: tok}
}

// newFixture serves a small random Llama-4-shaped model (every feature of the
// architecture, vocabulary 256 bytes + 2048 specials) on a test HTTP server.
func newFixture(t testing.TB, o engine.Options, so Options) *fixture {
	t.Helper()
	m := tinymodel.ByteModel(t, tensor.F32, 11)
	if o.Parallel == 0 {
		o = engine.Options{Parallel: 4, Ctx: 512, KVType: tensor.F32, PrefillChunk: 64, QueueSize: 32}
	}
	if so.ModelName == "" {
		so.ModelName = "tiny-test"
	}
	return serve(t, m, m, byteTokenizer(t), o, so)
}

// emptyEngine asks newFixture for its default engine options.
var emptyEngine = engine.Options{}
