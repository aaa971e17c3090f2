package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pngDataURL is a data URL of a w×h PNG: a gradient, so decoding costs what
// a real picture of that size does while the file stays small.
func pngDataURL(t testing.TB, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

// serveLoopback runs f's server with Serve (the real timeouts) on a
// loopback listener, wrapped by wrap if not nil; it stops when the test ends.
func serveLoopback(t testing.TB, srv *Server, wrap func(net.Listener) net.Listener) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if wrap != nil {
		ln = wrap(ln)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln, time.Second); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return addr
}

// heapPeak samples the live heap every millisecond until stop is called,
// which returns the largest sample.
func heapPeak() (stop func() uint64) {
	s := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			rtmetrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-quit:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(quit); <-done; return peak.Load() }
}

func liveHeap() uint64 {
	runtime.GC()
	s := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	rtmetrics.Read(s)
	return s[0].Value.Uint64()
}

// TestHostileLoad is the done-when test of "hostile input cannot exhaust
// memory or time": 8 concurrent clients send oversized prompts (refused
// from their byte length before tokenizing), prompts just within the byte
// bound (tokenized, then refused for the context), bodies over the limit,
// images near the pixel limit and images over it, while /health is polled.
// The live heap's peak must stay within heapBound of the baseline and
// /health's p99 latency under 100 ms. The latency bound is a timing check:
// it is asserted only with HERD_TIMING_TESTS=1, which .ci/run sets for a
// run of this test alone (on a machine whose cores other test binaries
// share, the OS, not the server, decides /health's latency), and never
// under the race detector; otherwise the p99 is logged.
func TestHostileLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	const (
		clients   = 8
		rounds    = 3
		maxBody   = 2 << 20
		heapBound = 160 << 20
	)
	imgSide := 1000 // 1 megapixel: near the limit below
	if raceEnabled {
		imgSide = 300
	}
	f := newVisionServer(t, false, Options{MaxBody: maxBody, Workers: 1, MaxImagePixels: 2 * imgSide * imgSide})
	f.v.Limits.MaxPixels = imgSide*imgSide + 1000
	addr := serveLoopback(t, f.srv, nil)
	url := "http://" + addr
	near := pngDataURL(t, imgSide, imgSide)
	over := pngDataURL(t, imgSide+40, imgSide+40)
	span := f.srv.c.Span() * f.srv.eng.Ctx()
	chat := func(content string) string {
		return fmt.Sprintf(`{"messages":[{"role":"user","content":%s}],"max_tokens":2}`, content)
	}
	images := func(urls ...string) string {
		var parts []string
		for _, u := range urls {
			parts = append(parts, fmt.Sprintf(`{"type":"image_url","image_url":{"url":%q}}`, u))
		}
		return chat("[" + strings.Join(append(parts, `{"type":"text","text":"what is this"}`), ",") + "]")
	}
	attacks := []struct {
		name   string
		path   string
		body   string
		status int
	}{
		{"prompt far over the context", "/v1/completions", fmt.Sprintf(`{"prompt":%q}`, strings.Repeat("a", maxBody-100)), 400},
		{"chat far over the context", "/v1/chat/completions", chat(fmt.Sprintf("%q", strings.Repeat("b ", maxBody/2-100))), 400},
		{"prompt at the byte bound", "/v1/completions", fmt.Sprintf(`{"prompt":%q}`, strings.Repeat("c", span)), 400},
		{"body over the limit", "/v1/completions", fmt.Sprintf(`{"prompt":%q}`, strings.Repeat("d", maxBody)), 413},
		{"two near-limit images", "/v1/chat/completions", images(near, near), 200},
		{"three near-limit images", "/v1/chat/completions", images(near, near, near), 400},
		{"an image over the limit", "/v1/chat/completions", images(over), 400},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	probe := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	defer probe.CloseIdleConnections()

	base := liveHeap()
	stopPeak := heapPeak()
	var health []time.Duration
	stopHealth := make(chan struct{})
	healthDone := make(chan struct{})
	go func() {
		defer close(healthDone)
		for {
			select {
			case <-stopHealth:
				return
			case <-time.After(2 * time.Millisecond):
			}
			t0 := time.Now()
			resp, err := probe.Get(url + "/health")
			if err != nil {
				t.Errorf("/health: %v", err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			health = append(health, time.Since(t0))
		}
	}()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				a := attacks[(c+r)%len(attacks)]
				resp, err := client.Post(url+a.path, "application/json", strings.NewReader(a.body))
				if err != nil {
					t.Errorf("%s: %v", a.name, err)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != a.status {
					t.Errorf("%s: status %d, want %d: %.200s", a.name, resp.StatusCode, a.status, b)
				}
			}
		}()
	}
	wg.Wait()
	close(stopHealth)
	<-healthDone
	peak := stopPeak()
	slices.Sort(health)
	if len(health) == 0 {
		t.Fatal("no /health samples")
	}
	p99 := health[min(len(health)-1, len(health)*99/100)]
	t.Logf("live heap: base %d MiB, peak %d MiB (+%d MiB, bound +%d MiB); /health: %d samples, p50 %v, p99 %v, max %v",
		base>>20, peak>>20, (peak-min(peak, base))>>20, heapBound>>20, len(health), health[len(health)/2], p99, health[len(health)-1])
	if peak > base+heapBound {
		t.Errorf("peak live heap %d MiB exceeds the baseline %d MiB by more than %d MiB", peak>>20, base>>20, heapBound>>20)
	}
	switch {
	case raceEnabled || os.Getenv("HERD_TIMING_TESTS") == "":
		t.Logf("/health p99 %v not checked against 100 ms (set HERD_TIMING_TESTS=1 on an otherwise idle machine)", p99)
	case p99 > 100*time.Millisecond:
		t.Errorf("/health p99 %v under attack, want < 100ms", p99)
	}
}

// TestTimeoutsCloseConnections: connections that send a body too slowly,
// send headers too slowly, or sit idle after a request are closed by the
// server's timeouts.
func TestTimeoutsCloseConnections(t *testing.T) {
	const conns = 20
	srv := New(fakeConfig(t), byteTokenizer(t), &fakeEngine{reply: []int32{'k'}},
		Options{BodyTimeout: 200 * time.Millisecond, IdleTimeout: 200 * time.Millisecond, HeaderTimeout: 200 * time.Millisecond})
	addr := serveLoopback(t, srv, nil)
	for _, tc := range []struct {
		name, send string
		readAnswer bool // read one answer before idling
	}{
		{"slow body", "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"prompt\":", false},
		{"slow headers", "POST /v1/completions HTTP/1.1\r\nHost: x\r\n", false},
		{"idle keep-alive", "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t0 := time.Now()
			var wg sync.WaitGroup
			for i := 0; i < conns; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := net.Dial("tcp", addr)
					if err != nil {
						t.Error(err)
						return
					}
					defer c.Close()
					io.WriteString(c, tc.send)
					br := bufio.NewReader(c)
					if tc.readAnswer {
						resp, err := http.ReadResponse(br, nil)
						if err != nil || resp.StatusCode != 200 {
							t.Errorf("answer: %v", err)
							return
						}
						io.Copy(io.Discard, resp.Body)
					}
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					if _, err := io.Copy(io.Discard, br); err != nil { // the server's close ends it with EOF
						t.Errorf("connection not closed by the server: %v", err)
					}
				}()
			}
			wg.Wait()
			if d := time.Since(t0); d > 3*time.Second {
				t.Errorf("%d connections took %v to be closed", conns, d)
			}
		})
	}
}

// smallBuffers sets small socket buffers on accepted connections, so that a
// client that does not read blocks the server's writes quickly.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4 << 10)
	}
	return c, err
}

// TestAbandonedWorkStops: a stream whose client stops reading is dropped
// by the write timeout; a stream whose client hangs up, and an image
// request whose client hangs up, stop their work within about one step or
// one image.
func TestAbandonedWorkStops(t *testing.T) {
	const step = 5 * time.Millisecond
	f := newSlowFixture(t, step, Options{WriteTimeout: 300 * time.Millisecond})
	addr := serveLoopback(t, f.srv, func(l net.Listener) net.Listener { return smallBuffers{l} })
	idle := func() int64 {
		t.Helper()
		for i := 0; i < 500; i++ {
			if st := f.eng.Stats(); st.Running == 0 && st.Waiting == 0 {
				return f.model.passes.Load()
			}
			time.Sleep(time.Millisecond)
		}
		t.Fatalf("engine still busy: %+v", f.eng.Stats())
		return 0
	}
	const maxTokens = 450
	stream := fmt.Sprintf(`{"prompt":"abc","max_tokens":%d,"temperature":0,"logprobs":20,"stream":true}`, maxTokens)

	t.Run("client stops reading", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.(*net.TCPConn).SetReadBuffer(4 << 10)
		before := f.model.passes.Load()
		fmt.Fprintf(c, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(stream), stream)
		time.Sleep(50 * time.Millisecond) // the stream starts; the client never reads
		t0 := time.Now()
		passes := idle() - before
		for i := 0; i < 500 && !strings.Contains(metricsText(f.srv), `endpoint="completions",status="499"`); i++ {
			time.Sleep(time.Millisecond) // the handler returns just after the engine stops
		}
		t.Logf("engine idle %v after the client stopped reading, after %d of %d steps", time.Since(t0), passes, maxTokens)
		if passes >= maxTokens/2 {
			t.Errorf("the unread stream ran %d of %d steps: not dropped by the write timeout", passes, maxTokens)
		}
		if m := metricsText(f.srv); !strings.Contains(m, `endpoint="completions",status="499"`) {
			t.Errorf("the dropped stream is not counted as client-closed:\n%s", grepLines(m, "herd_requests_total"))
		}
	})

	t.Run("client hangs up mid-stream", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(stream), stream)
		br := bufio.NewReader(c)
		for { // read to the first event
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(line, "data: ") {
				break
			}
		}
		at := f.model.passes.Load()
		c.Close()
		extra := idle() - at
		t.Logf("%d forward passes after the hang-up", extra)
		if extra > 2 { // the pass running at the hang-up, and one begun before the engine sees it
			t.Errorf("%d forward passes ran after the client hung up, want ≤ 2", extra)
		}
	})
}

// TestAbandonedImagesStop: image decoding stops within one image of the
// client hanging up.
func TestAbandonedImagesStop(t *testing.T) {
	side := 1200
	if raceEnabled {
		side = 500
	}
	f := newVisionServer(t, false, Options{Workers: 1, MaxImagePixels: 8 * side * side, MaxBody: 64 << 20})
	addr := serveLoopback(t, f.srv, nil)
	u := pngDataURL(t, side, side)
	var parts []string
	for i := 0; i < 8; i++ {
		parts = append(parts, fmt.Sprintf(`{"type":"image_url","image_url":{"url":%q}}`, u))
	}
	body := `{"max_tokens":1,"messages":[{"role":"user","content":[` + strings.Join(parts, ",") + `]}]}`
	images := func() int64 {
		f.srv.met.mu.Lock()
		defer f.srv.met.mu.Unlock()
		return f.srv.met.images
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/v1/chat/completions", strings.NewReader(body))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	for images() < 2 {
		time.Sleep(time.Millisecond)
	}
	at := images()
	cancel()
	<-done
	time.Sleep(500 * time.Millisecond) // time for several more images, were they still decoded
	n := images()
	t.Logf("images prepared: %d at the hang-up, %d in the end (of 8)", at, n)
	if n > at+1 {
		t.Errorf("%d images were prepared after the hang-up (%d → %d), want ≤ 1", n-at, at, n)
	}
}

// metricsText renders srv's metrics.
func metricsText(srv *Server) string {
	var b strings.Builder
	srv.met.write(&b, "m", gauges{})
	return b.String()
}
