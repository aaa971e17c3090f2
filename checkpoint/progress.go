package checkpoint

import (
	"io"
	"sync"
)

// Progress receives the advance of a long step of ggufwrite.Write (or
// SaveHF): the step's name ("convert", "write"), the bytes done and the
// step's total. The calls of one step come one at a time, done never
// decreases, the first call has done = 0 and the last done = total.
type Progress func(step string, done, total int64)

// meter counts a step's bytes for a Progress, safely from parallel
// workers. A meter with a nil Progress counts nothing.
type meter struct {
	mu          sync.Mutex
	fn          Progress
	step        string
	done, total int64
}

// startMeter reports the start of step (total bytes) and returns its meter.
func startMeter(fn Progress, step string, total int64) *meter {
	m := &meter{fn: fn, step: step, total: total}
	if fn != nil {
		fn(step, 0, total)
	}
	return m
}

// add counts n more bytes done (never past the total).
func (m *meter) add(n int64) {
	if m == nil || m.fn == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done = min(m.done+n, m.total)
	m.fn(m.step, m.done, m.total)
}

// finish reports the step complete (done = total) unless it already is.
func (m *meter) finish() {
	if m == nil || m.fn == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done < m.total {
		m.done = m.total
		m.fn(m.step, m.done, m.total)
	}
}

// WriteMetered runs write(w), reporting the bytes written to prog as the
// step "write" (nil: write(w) alone). A first, dry run of write into a
// counter sizes the step, so write must write the same bytes each time.
func WriteMetered(w io.Writer, prog Progress, write func(w io.Writer) error) error {
	if prog == nil {
		return write(w)
	}
	var size countWriter
	if err := write(&size); err != nil {
		return err
	}
	m := startMeter(prog, "write", size.n)
	if err := write(meterWriter{w, m}); err != nil {
		return err
	}
	m.finish()
	return nil
}

// meterWriter counts the bytes written through it.
type meterWriter struct {
	w io.Writer
	m *meter
}

func (mw meterWriter) Write(p []byte) (int, error) {
	n, err := mw.w.Write(p)
	mw.m.add(int64(n))
	return n, err
}

// countWriter counts bytes and discards them.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
