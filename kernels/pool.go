package kernels

import (
	"runtime"
	"sync/atomic"
	"time"
)

// The worker pool: a set of helper goroutines, started lazily and never
// stopped, that help a caller drain a job's task counter. A call publishes its
// job and then works on it itself, so progress never depends on a helper being
// free. Helpers that finish a job spin for a short while (spinFor) watching
// for the next one, as llama.cpp's threads do between graph nodes: a decode
// step is a chain of short matrix-vector products separated by short serial
// work, and waking a parked goroutine for each would leave the caller doing
// most of the work alone. Helpers that find nothing park on a channel and are
// woken by a call that sees too few spinners.
//
// A job has seats, one per helper wanted. Any helper, spinning or woken, must
// take a seat before it works, so a job takes at most the help it asked for
// and a stale wake-up is harmless. When the caller runs out of tasks it closes
// the remaining seats and waits (spinning) until every helper that took one
// has finished. Several callers may use the pool at once: a helper busy with
// another job joins late or not at all, so concurrent calls share the cores
// without deadlock.

// maxThreads bounds SetThreads.
const maxThreads = 1024

// spinFor is how long an idle helper watches for a new job before parking.
const spinFor = 200 * time.Microsecond

// threads is the configured worker count; 0 means "GOMAXPROCS at first use".
var threads atomic.Int32

// Threads returns the number of goroutines (the caller included) that one
// MatMul may use: GOMAXPROCS, read at first use, unless SetThreads chose
// another value.
func Threads() int {
	if t := threads.Load(); t > 0 {
		return int(t)
	}
	t := int32(min(max(runtime.GOMAXPROCS(0), 1), maxThreads))
	threads.CompareAndSwap(0, t)
	return int(threads.Load())
}

// SetThreads sets the number of goroutines (the caller included) one MatMul
// may use; n <= 0 restores the default, GOMAXPROCS. Results do not depend on
// it: every output element is computed by exactly one goroutine in a fixed
// order. It is safe to call at any time; calls already running keep the count
// they started with.
func SetThreads(n int) {
	if n <= 0 {
		threads.Store(0)
		return
	}
	threads.Store(int32(min(n, maxThreads)))
}

// task is a unit of parallel work: runTask(i) for every i in [0, ntasks).
type task interface{ runTask(i int) }

// job is one parallel call: the helpers and the caller claim task indices
// from next until they run out.
type job struct {
	t        task
	ntasks   int32
	next     atomic.Int32
	seats    atomic.Int32 // helper seats still open
	finished atomic.Int32 // helpers that took a seat and have left the job
}

func (j *job) work() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.ntasks {
			return
		}
		j.t.runTask(int(i))
	}
}

// claim takes a seat; false when none is open (the job is full, finished, or
// not in use).
func (j *job) claim() bool {
	for {
		s := j.seats.Load()
		if s <= 0 {
			return false
		}
		if j.seats.CompareAndSwap(s, s-1) {
			return true
		}
	}
}

// help works on a job whose seat the helper holds; it must not touch j after
// finished is incremented, since the caller may then reuse it.
func (j *job) help() {
	j.work()
	j.finished.Add(1)
}

var (
	jobs = make(chan *job, maxThreads) // free jobs, reused without allocation

	helpers  atomic.Int32        // helper goroutines started so far
	spinners atomic.Int32        // helpers watching pub right now
	pub      atomic.Pointer[job] // the newest published job
	wake     = make(chan *job, 4*maxThreads)
)

// startHelpers makes sure at least n helpers exist.
func startHelpers(n int) {
	for {
		h := helpers.Load()
		if int(h) >= n {
			return
		}
		if helpers.CompareAndSwap(h, h+1) {
			go helper()
		}
	}
}

func helper() {
	for {
		if j := spin(); j != nil {
			j.help()
			continue
		}
		for j := range wake {
			if j.claim() {
				j.help()
				break
			}
		}
	}
}

// spin watches pub for up to spinFor and returns a job whose seat it took,
// or nil.
func spin() *job {
	spinners.Add(1)
	defer spinners.Add(-1)
	var deadline time.Time
	for i := 0; ; i++ {
		if j := pub.Load(); j != nil && j.claim() {
			return j
		}
		pause()
		if i&63 == 63 {
			now := time.Now()
			if deadline.IsZero() {
				deadline = now.Add(spinFor)
			} else if now.After(deadline) {
				return nil
			}
		}
	}
}

func getJob() *job {
	select {
	case j := <-jobs:
		return j
	default:
		return new(job)
	}
}

// parallel runs t.runTask(i) for i in [0, ntasks) on up to nthreads
// goroutines, the caller's included, and returns when all have finished.
// A task may call parallel itself: the nested call's caller works on its own
// job, and the helpers it waits for hold seats only in that job (a helper is
// in one job at a time), so waits only ever point at deeper jobs and always
// end. Helpers busy in the outer job simply do not join the inner one.
func parallel(ntasks, nthreads int, t task) {
	h := min(nthreads, ntasks) - 1 // helpers wanted
	if h <= 0 {
		for i := range ntasks {
			t.runTask(i)
		}
		return
	}
	startHelpers(h)
	j := getJob()
	j.t = t
	j.ntasks = int32(ntasks)
	j.next.Store(0)
	j.finished.Store(0)
	j.seats.Store(int32(h)) // publishes the fields above to whoever claims
	pub.Store(j)
	for range h - int(spinners.Load()) {
		select {
		case wake <- j:
		default:
		}
	}
	j.work()
	taken := int32(h) - j.seats.Swap(0)
	pub.CompareAndSwap(j, nil)
	for i := 0; j.finished.Load() < taken; i++ {
		if i < 1000 {
			pause()
		} else {
			runtime.Gosched()
		}
	}
	j.t = nil
	select {
	case jobs <- j:
	default:
	}
}
