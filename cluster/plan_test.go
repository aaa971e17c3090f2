package cluster

import (
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/wanterr"
	"github.com/herd-llm/herd/tensor"
)

func TestSplit(t *testing.T) {
	cfg, err := checkpoint.PresetConfig("bench-566m")
	if err != nil {
		t.Fatal(err)
	}
	lb := make([]int64, cfg.Layers)
	for i := range lb {
		lb[i] = 100 << 20
	}
	const G = 1 << 30
	cases := []struct {
		name   string
		avail  []int64
		counts []int
		want   []int // layers per stage
		err    string
	}{
		{"equal 2", []int64{4 * G, 4 * G}, nil, []int{4, 4}, ""},
		{"equal 3", []int64{4 * G, 4 * G, 4 * G}, nil, []int{3, 2, 3}, ""}, // the leader holds the head too,
		{"by memory", []int64{G, 3 * G}, nil, []int{2, 6}, ""},
		{"leader small", []int64{200 << 20, 4 * G, 4 * G}, nil, []int{0, 4, 4}, ""},
		{"fixed", []int64{4 * G, 4 * G}, []int{1, 7}, []int{1, 7}, ""},
		{"fixed bad sum", []int64{4 * G, 4 * G}, []int{1, 6}, nil, "sum to 7"},
		{"too small", []int64{G, 512 << 20}, []int{1, 7}, nil, "not enough memory"},
	}
	for _, tc := range cases {
		st, err := Split(SplitInput{Config: cfg, LayerBytes: lb, HeadBytes: 128 << 20, Avail: tc.avail, Ctx: 4096, Batch: 512, KV: tensor.F16, Counts: tc.counts})
		if wanterr.Case(t, tc.name, err, tc.err) {
			continue
		}
		for i, s := range st {
			if s.Hi-s.Lo != tc.want[i] || (i > 0 && s.Lo != st[i-1].Hi) {
				t.Errorf("%s: stages %+v, want layers %v", tc.name, st, tc.want)
				break
			}
			if s.Plan.TotalBytes > tc.avail[i] {
				t.Errorf("%s: stage %d plans %d bytes, has %d", tc.name, i, s.Plan.TotalBytes, tc.avail[i])
			}
		}
	}
}

func TestAuth(t *testing.T) {
	if _, err := NewAuth("short"); err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Errorf("short secret: %v", err)
	}
	t.Setenv(SecretEnv, "")
	if _, err := AuthFromEnv(); err == nil || !strings.Contains(err.Error(), "is not set") {
		t.Errorf("unset secret: %v", err)
	}
	a, b := testAuth(t, testSecret), testAuth(t, testSecret)
	c := testAuth(t, testSecret+"!")
	if err := a.verify(b.cert.Certificate, nil); err != nil {
		t.Errorf("same secret refused: %v", err)
	}
	if err := a.verify(c.cert.Certificate, nil); err != ErrWrongSecret {
		t.Errorf("other secret: %v", err)
	}
	if err := a.verify(nil, nil); err == nil {
		t.Errorf("no certificate accepted")
	}
}
