// Package termline draws the one progress line of a long command on a
// terminal ("\r…\x1b[K", at most five times a second, as herd pull's):
// the command, its current step, the bytes done of the step's total and
// the step's time. Piped or logged output gets no line.
package termline

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/hub"
	"github.com/herd-llm/herd/internal/periodic"
)

// Line is the one progress line of a long command on a terminal, the
// line `herd pull` draws too ("\r…\x1b[K", at most five times a second):
// the command, its current step, the bytes done of the step's total and the
// step's time. A nil *Line draws nothing; New gives nil unless
// stderr is a terminal, so piped or logged output stays quiet.
type Line struct {
	mu       sync.Mutex
	w        io.Writer
	cmd      string
	step     string
	start    time.Time // of the step
	last     time.Time // of the last draw
	interval time.Duration
	now      func() time.Time
	ended    bool
}

// New is the progress line of command cmd on w, or nil when quiet
// or when w is not a terminal.
func New(w io.Writer, cmd string, quiet bool) *Line {
	if quiet || !IsTerminal(w) {
		return nil
	}
	return &Line{w: w, cmd: cmd, interval: 200 * time.Millisecond, now: time.Now}
}

// Progress is a checkpoint.Progress drawing on the line (nil for a nil line,
// so the callee skips its accounting).
func (l *Line) Progress() checkpoint.Progress {
	if l == nil {
		return nil
	}
	return func(step string, done, total int64) {
		l.draw(step, func() string {
			if total <= 0 {
				return ""
			}
			return fmt.Sprintf("%3.0f%% %s / %s", 100*float64(done)/float64(total), hub.HumanBytes(done), hub.HumanBytes(total))
		})
	}
}

// Phase shows step, with its time redrawn every second, until stop is
// called: for a step with no byte counts (loading a model).
func (l *Line) Phase(step string) (stop func()) {
	if l == nil {
		return func() {}
	}
	l.draw(step, func() string { return "" })
	return periodic.Run(time.Second, time.Second, func(int) { l.draw(step, func() string { return "" }) })
}

// draw redraws the line for step (a new step always, else at most every
// interval), with the detail what gives.
func (l *Line) draw(step string, what func() string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return
	}
	now := l.now()
	if step != l.step {
		l.step, l.start = step, now
	} else if now.Sub(l.last) < l.interval {
		return
	}
	l.last = now
	s := l.cmd + ": " + step
	if d := what(); d != "" {
		s += "  " + d
	}
	fmt.Fprintf(l.w, "\r%s  %s\x1b[K", s, now.Sub(l.start).Truncate(time.Second))
}

// End clears the line, for the command's summary; later draws and ends
// draw nothing.
func (l *Line) End() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.ended {
		fmt.Fprint(l.w, "\r\x1b[K")
	}
	l.ended = true
}

// IsTerminal reports whether w is a character device (a terminal), where a
// line rewritten in place makes sense.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
