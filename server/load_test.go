package server

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLoadMixed is a bounded load test on loopback: a fixed number of
// requests from several clients, mixing good requests (checked for the exact
// answer), malformed JSON, oversized bodies and requests abandoned
// mid-stream. The server must answer every good request correctly, reject
// the bad ones with 4xx, stay up, and return to its baseline memory and
// goroutine count afterwards.
func TestLoadMixed(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	f := newFixture(t, emptyEngine, Options{MaxBody: 64 << 10})
	good := func(i int) string {
		return fmt.Sprintf(`{"messages":[{"role":"user","content":"Request %d"}],"max_tokens":8,"temperature":0}`, i%5)
	}
	want := make([]string, 5)
	for i := range want {
		_, b := post(t, f, "/v1/chat/completions", good(i))
		want[i], _, _ = chatContent(t, b)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	goroutines := runtime.NumGoroutine()

	const clients, perClient = 8, 25
	deadline := time.Now().Add(60 * time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[string]int{}
	fail := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		t.Errorf(format, a...)
	}
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 1))
			for i := 0; i < perClient && time.Now().Before(deadline); i++ {
				kind := []string{"good", "good", "good", "malformed", "oversized", "abandoned"}[r.IntN(6)]
				mu.Lock()
				counts[kind]++
				mu.Unlock()
				switch kind {
				case "good":
					k := r.IntN(5)
					resp, b := post(t, f, "/v1/chat/completions", good(k))
					if resp.StatusCode != 200 {
						fail("good request: status %d %s", resp.StatusCode, b)
						continue
					}
					if got, _, _ := chatContent(t, b); got != want[k] {
						fail("good request %d: %q, want %q", k, got, want[k])
					}
				case "malformed":
					resp, _ := post(t, f, "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}`)
					if resp.StatusCode != 400 {
						fail("malformed: status %d", resp.StatusCode)
					}
				case "oversized":
					resp, _ := post(t, f, "/v1/chat/completions", `{"messages":[{"role":"user","content":"`+strings.Repeat("y", 100<<10)+`"}]}`)
					if resp.StatusCode != 413 {
						fail("oversized: status %d", resp.StatusCode)
					}
				case "abandoned":
					ctx, cancel := context.WithCancel(context.Background())
					req, _ := http.NewRequestWithContext(ctx, "POST", f.ts.URL+"/v1/chat/completions",
						strings.NewReader(`{"messages":[{"role":"user","content":"long one"}],"max_tokens":400,"stream":true}`))
					resp, err := http.DefaultClient.Do(req)
					if err == nil {
						buf := make([]byte, 64)
						resp.Body.Read(buf) // read a little, then walk away
						cancel()
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("requests by kind: %v", counts)
	// The server is still up and idle: abandoned sequences were cancelled.
	for i := 0; i < 100; i++ {
		if st := f.eng.Stats(); st.Running == 0 && st.Waiting == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st := f.eng.Stats(); st.Running != 0 || st.Waiting != 0 {
		t.Fatalf("engine still busy after the load: %+v", st)
	}
	resp, b := post(t, f, "/v1/chat/completions", good(0))
	if got, _, _ := chatContent(t, b); resp.StatusCode != 200 || got != want[0] {
		t.Fatalf("after the load: %d %q", resp.StatusCode, got)
	}
	http.DefaultClient.CloseIdleConnections()
	var after runtime.MemStats
	for i := 0; i < 50; i++ {
		runtime.GC()
		runtime.ReadMemStats(&after)
		if after.HeapAlloc < before.HeapAlloc+8<<20 && runtime.NumGoroutine() <= goroutines+4 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("heap %d → %d bytes, goroutines %d → %d", before.HeapAlloc, after.HeapAlloc, goroutines, runtime.NumGoroutine())
	if after.HeapAlloc > before.HeapAlloc+8<<20 {
		t.Errorf("heap grew from %d to %d bytes", before.HeapAlloc, after.HeapAlloc)
	}
	if n := runtime.NumGoroutine(); n > goroutines+4 {
		t.Errorf("goroutines %d, baseline %d", n, goroutines)
	}
}
