package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// The worker pool: a set of parked helper goroutines, started lazily and never
// stopped, that help a caller drain a job's task counter. A call hands its job
// to the helpers through one shared queue (one entry per helper wanted) and
// then works on it itself, so progress never depends on a helper being free;
// it returns once every helper that took the job has left it. Several callers
// may use the pool at once: a helper busy with another job joins late (and
// then finds little or nothing left to do), so concurrent calls share the
// cores without deadlock. The cost is a wait, after the caller's own work, for
// helpers to reach the job in the queue.

// maxThreads bounds SetThreads.
const maxThreads = 1024

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
	t      task
	ntasks int32
	next   atomic.Int32
	done   sync.WaitGroup // one count per helper the job was handed to
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

var (
	jobs = sync.Pool{New: func() any { return new(job) }}

	poolMu  sync.Mutex
	helpers atomic.Int32 // helper goroutines started so far
	queue   = make(chan *job, 4*maxThreads)
)

// startHelpers makes sure at least n helpers exist.
func startHelpers(n int) {
	if int(helpers.Load()) >= n {
		return
	}
	poolMu.Lock()
	defer poolMu.Unlock()
	for int(helpers.Load()) < n {
		go helper()
		helpers.Add(1)
	}
}

func helper() {
	for j := range queue {
		j.work()
		j.done.Done()
	}
}

// parallel runs t.runTask(i) for i in [0, ntasks) on up to nthreads
// goroutines, the caller's included, and returns when all have finished.
// Tasks must not call parallel themselves.
func parallel(ntasks, nthreads int, t task) {
	h := min(nthreads, ntasks) - 1 // helpers wanted
	if h <= 0 {
		for i := range ntasks {
			t.runTask(i)
		}
		return
	}
	startHelpers(h)
	j := jobs.Get().(*job)
	j.t = t
	j.ntasks = int32(ntasks)
	j.next.Store(0)
	j.done.Add(h)
	for range h {
		queue <- j
	}
	j.work()
	j.done.Wait()
	j.t = nil
	jobs.Put(j)
}
