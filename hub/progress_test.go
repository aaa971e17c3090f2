package hub

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 4_000_000)
	t0 := p.start
	p.skip(1_000_000)
	p.Write(make([]byte, 1_000_000))
	p.name = "model.safetensors"
	if got, want := p.line(t0.Add(2*time.Second)), " 50% 2.0 MB / 4.0 MB  500.0 kB/s  ETA 4s  model.safetensors"; got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
	var nilp *progress
	nilp.file("x") // a nil progress draws nothing
	nilp.Write([]byte("abc"))
	nilp.finish()
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1500: "1.5 kB", 2_500_000_000: "2.5 GB"} {
		if got := HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
	if !strings.Contains(buf.String(), "\r") {
		t.Errorf("no carriage return in %q", buf.String())
	}
}
