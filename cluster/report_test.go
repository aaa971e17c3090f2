package cluster

import (
	"strings"
	"testing"
	"time"
)

func TestStatsWrite(t *testing.T) {
	st := Stats{Calls: 2, Tokens: 10, Sent: 1000, Recv: 500,
		StageTime: []time.Duration{3 * time.Millisecond, 5 * time.Millisecond}, StageCompute: []time.Duration{0, 4 * time.Millisecond}}
	var b strings.Builder
	st.Write(&b)
	want := "cluster: 2 calls, 10 tokens, 100 bytes/token sent + 50 received; per stage, time (transport): 0=3ms 1=5ms (1ms)\n"
	if b.String() != want {
		t.Errorf("Stats.Write:\n%q\nwant\n%q", b.String(), want)
	}
}
