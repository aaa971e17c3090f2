// Package bench measures what `herd bench` reports: prompt and decode
// throughput of a model, the machine's memory bandwidth, and how close decode
// comes to the bandwidth ceiling.
package bench

import (
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Bandwidth measures the sustained read bandwidth in bytes/s with the given
// number of threads by summing a buffer much larger than the caches, as a
// decode step streams weights. It returns the best of several passes.
func Bandwidth(threads int, size int) float64 {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	buf := make([]uint64, size/8)
	for i := range buf {
		buf[i] = uint64(i)
	}
	best := 0.0
	var sink uint64
	for pass := 0; pass < 5; pass++ {
		var wg sync.WaitGroup
		sums := make([]uint64, threads*8) // padded to avoid false sharing
		t0 := time.Now()
		for w := 0; w < threads; w++ {
			lo, hi := len(buf)*w/threads, len(buf)*(w+1)/threads
			wg.Add(1)
			go func(part []uint64, out *uint64) {
				defer wg.Done()
				var a, b, c, d uint64
				i := 0
				for ; i+4 <= len(part); i += 4 {
					a += part[i]
					b += part[i+1]
					c += part[i+2]
					d += part[i+3]
				}
				for ; i < len(part); i++ {
					a += part[i]
				}
				*out = a + b + c + d
			}(buf[lo:hi], &sums[w*8])
		}
		wg.Wait()
		el := time.Since(t0).Seconds()
		for _, s := range sums {
			sink += s
		}
		if bw := float64(len(buf)*int(unsafe.Sizeof(buf[0]))) / el; bw > best {
			best = bw
		}
	}
	runtime.KeepAlive(sink)
	return best
}
