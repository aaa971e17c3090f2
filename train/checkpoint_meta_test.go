package train

import (
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
)

// validMeta is the metadata of a small, sound checkpoint.
func validMeta(t testing.TB) map[string]string {
	t.Helper()
	cfg, err := checkpoint.PresetConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cj, err := checkpoint.ConfigJSON(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rand.NewPCG(1, 2).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"format": checkpointFormat, "config": string(cj),
		"options": `{"Batch":4,"SeqLen":32,"Steps":10}`,
		"step":    "3", "tokens": "384", "rng": hex.EncodeToString(rs),
	}
}

func TestParseCheckpointMeta(t *testing.T) {
	good := validMeta(t)
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	const big = int64(1) << 40
	if _, err := parseCheckpointMeta(good, big); err != nil {
		t.Fatalf("sound metadata: %v", err)
	}
	for _, tc := range []struct {
		name string
		meta map[string]string
		data int64
		want string
	}{
		{"format", with("format", "x"), big, "not a herd training checkpoint"},
		{"config", with("config", `{"num_hidden_layers": 1099511627776}`), big, "config"},
		{"too few bytes", good, 1000, "parameters, but the file holds 1000 bytes"},
		{"huge batch", with("options", `{"Batch":1099511627776,"SeqLen":32}`), big, "batch"},
		{"batch×seq", with("options", `{"Batch":65536,"SeqLen":65536}`), big, "at most 16777216 tokens"},
		{"zero seq", with("options", `{"Batch":4,"SeqLen":0}`), big, "must be positive"},
		{"options json", with("options", `{`), big, "options"},
		{"negative step", with("step", "-1"), big, "bad step"},
		{"tokens", with("tokens", "x"), big, "bad step"},
		{"rng hex", with("rng", "zz"), big, "bad step"},
		{"rng state", with("rng", "00"), big, "rng"},
	} {
		_, err := parseCheckpointMeta(tc.meta, tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

// FuzzCheckpointMeta: hostile metadata never panics, and whatever is
// accepted is bounded as promised.
func FuzzCheckpointMeta(f *testing.F) {
	good := validMeta(f)
	f.Add(good["config"], good["options"], good["step"], good["tokens"], good["rng"], int64(1<<40))
	f.Add(`{"num_hidden_layers": 4611686018427387904}`, `{"Batch":-1}`, "9999999999999999999", "-5", "", int64(0))
	f.Fuzz(func(t *testing.T, cfg, opt, step, tokens, rng string, data int64) {
		m := map[string]string{"format": checkpointFormat, "config": cfg, "options": opt, "step": step, "tokens": tokens, "rng": rng}
		cm, err := parseCheckpointMeta(m, data)
		if err != nil {
			return
		}
		if pc := cm.cfg.Params(); pc.Overflow || 12*pc.Total > data {
			t.Fatalf("accepted %d parameters for %d bytes", pc.Total, data)
		}
		if b, s := int64(cm.opt.Batch), int64(cm.opt.SeqLen); b <= 0 || s <= 0 || b*s > maxResumeTokens || cm.step < 0 || cm.tokens < 0 {
			t.Fatalf("accepted unbounded options %+v step %d tokens %d", cm.opt, cm.step, cm.tokens)
		}
	})
}
