package termline

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestStepLine(t *testing.T) {
	type call struct {
		at          time.Duration // clock when called
		step        string
		done, total int64
	}
	tests := []struct {
		name  string
		calls []call
		want  []string // the lines drawn, in order
	}{
		{"a step's start, throttled updates, its end", []call{
			{0, "convert", 0, 2000},
			{100 * time.Millisecond, "convert", 500, 2000}, // within the interval: not drawn
			{300 * time.Millisecond, "convert", 1000, 2000},
			{1500 * time.Millisecond, "convert", 2000, 2000},
		}, []string{
			"convert: convert    0% 0 B / 2.0 kB  0s",
			"convert: convert   50% 1.0 kB / 2.0 kB  0s",
			"convert: convert  100% 2.0 kB / 2.0 kB  1s",
		}},
		{"a new step is drawn at once, with its own time", []call{
			{0, "convert", 0, 10},
			{5 * time.Second, "convert", 10, 10},
			{5*time.Second + time.Millisecond, "write", 0, 3e9},
			{8 * time.Second, "write", 3e9, 3e9},
		}, []string{
			"convert: convert    0% 0 B / 10 B  0s",
			"convert: convert  100% 10 B / 10 B  5s",
			"convert: write    0% 0 B / 3.0 GB  0s",
			"convert: write  100% 3.0 GB / 3.0 GB  2s",
		}},
		{"no total: no percentage", []call{{0, "write", 0, 0}}, []string{"convert: write  0s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			var clock time.Time
			l := &Line{w: &buf, cmd: "convert", interval: 200 * time.Millisecond, now: func() time.Time { return clock }}
			prog := l.Progress()
			for _, c := range tt.calls {
				clock = time.Time{}.Add(c.at)
				prog(c.step, c.done, c.total)
			}
			l.End()
			prog("write", 1, 1) // after end: nothing
			l.End()
			got := strings.Split(buf.String(), "\r")
			if got[0] != "" || got[len(got)-1] != "\x1b[K" {
				t.Fatalf("output %q: want lines begun with \\r and one final clear", buf.String())
			}
			got = got[1 : len(got)-1]
			for i := range got {
				got[i] = strings.TrimSuffix(got[i], "\x1b[K")
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("lines\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestStepLineNil(t *testing.T) {
	var buf bytes.Buffer
	for _, quiet := range []bool{false, true} {
		l := New(&buf, "convert", quiet) // a buffer is not a terminal
		if l != nil {
			t.Fatalf("quiet=%v: a line on a non-terminal", quiet)
		}
		if l.Progress() != nil {
			t.Error("a nil line's progress should be nil (no accounting)")
		}
		l.Phase("load")()
		l.End()
	}
	if buf.Len() != 0 {
		t.Errorf("drew %q on a non-terminal", buf.String())
	}
}

func TestStepLinePhase(t *testing.T) {
	var buf bytes.Buffer
	l := &Line{w: &buf, cmd: "convert", interval: 200 * time.Millisecond, now: time.Now}
	stop := l.Phase("load m")
	// Wait for a tick of the phase's clock (a second; later on a busy machine).
	redrawn := func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return strings.Count(buf.String(), "\r") >= 2
	}
	for deadline := time.Now().Add(30 * time.Second); !redrawn() && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	l.Progress()("write", 0, 1)
	l.End()
	lines := strings.Split(strings.ReplaceAll(buf.String(), "\x1b[K", ""), "\r")
	if len(lines) < 5 || lines[1] != "convert: load m  0s" || lines[len(lines)-2] != "convert: write    0% 0 B / 1 B  0s" {
		t.Fatalf("lines %q: want the phase at 0s, its redraws, the write step, a clear", lines)
	}
	for _, s := range lines[2 : len(lines)-2] {
		if !strings.HasPrefix(s, "convert: load m  ") || strings.HasSuffix(s, "  0s") {
			t.Errorf("redraw %q: want the phase with its time past 0s", s)
		}
	}
}
