package hub

import (
	"fmt"
	"io"
	"time"
)

// progress draws one status line for a pull: bytes done of the total, the
// rate of this run's transfers and the time left. A nil *progress, or one
// with no writer, draws nothing.
type progress struct {
	w        io.Writer
	total    int64 // bytes of all the selected files
	done     int64 // bytes in place (cached, resumed or transferred)
	moved    int64 // bytes transferred by this run
	start    time.Time
	last     time.Time
	name     string // the file being fetched
	now      func() time.Time
	interval time.Duration
}

func newProgress(w io.Writer, total int64) *progress {
	p := &progress{w: w, total: total, now: time.Now, interval: 200 * time.Millisecond}
	p.start = p.now()
	return p
}

// file starts the line for the named file.
func (p *progress) file(name string) {
	if p == nil {
		return
	}
	p.name = name
	p.draw(true)
}

// skip counts n bytes that were already in place (negative: undone).
func (p *progress) skip(n int64) {
	if p != nil {
		p.done += n
	}
}

// Write counts transferred bytes; it never fails.
func (p *progress) Write(b []byte) (int, error) {
	if p == nil {
		return len(b), nil
	}
	p.done += int64(len(b))
	p.moved += int64(len(b))
	p.draw(false)
	return len(b), nil
}

// finish draws the final line and ends it.
func (p *progress) finish() {
	if p == nil || p.w == nil {
		return
	}
	p.name = "done"
	p.draw(true)
	fmt.Fprintln(p.w)
}

func (p *progress) draw(force bool) {
	if p.w == nil {
		return
	}
	now := p.now()
	if !force && now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	fmt.Fprintf(p.w, "\r%s\x1b[K", p.line(now))
}

// line is the status text at time now.
func (p *progress) line(now time.Time) string {
	s := fmt.Sprintf("%s / %s", HumanBytes(p.done), HumanBytes(p.total))
	if p.total > 0 {
		s = fmt.Sprintf("%3.0f%% %s", 100*float64(p.done)/float64(p.total), s)
	}
	if el := now.Sub(p.start).Seconds(); el > 0.5 && p.moved > 0 {
		rate := float64(p.moved) / el
		s += fmt.Sprintf("  %s/s", HumanBytes(int64(rate)))
		if left := p.total - p.done; left > 0 {
			s += "  ETA " + (time.Duration(float64(left)/rate) * time.Second).Truncate(time.Second).String()
		}
	}
	return s + "  " + p.name
}

// HumanBytes writes n bytes in B, kB, MB, GB or TB (powers of 1000, one
// decimal).
func HumanBytes(n int64) string {
	const unit = 1000
	if n < unit && n > -unit {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, u := range []string{"kB", "MB", "GB", "TB"} {
		f /= unit
		if f < unit && f > -unit || u == "TB" {
			return fmt.Sprintf("%.1f %s", f, u)
		}
	}
	return ""
}
