package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/herd-llm/herd/internal/lockedbuf"
)

// waitLog waits for a log line matching re and returns its first group.
func waitLog(t *testing.T, l *lockedbuf.Buffer, re string) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := rx.FindStringSubmatch(l.String()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("no log line matching %s in:\n%s", re, l.String())
	return ""
}

// TestServeDrain: a request's prompt and answer are published as
// BlockStored events of --block-size tokens; SIGTERM makes herd serve report
// not-ready at once while a stream runs, the stream finishes, subscribers of
// its KV-cache events get AllBlocksCleared, and serve exits cleanly.
func TestServeDrain(t *testing.T) {
	if testing.Short() {
		t.Skip("starts herd serve on the embedded model")
	}
	var logs lockedbuf.Buffer
	done := make(chan int, 1)
	go func() {
		done <- mainErr([]string{"serve", "--addr", "127.0.0.1:0", "--parallel", "1", "--ctx", "512",
			"--kv-events", "tcp://127.0.0.1:0", "--pod", "pod-1", "--block-size", "16", "--drain-delay", "2s", "--grace", "60s"}, io.Discard, &logs)
	}()
	kv := waitLog(t, &logs, `kv events" addr=(tcp://\S+) topic=kv@pod-1@`)
	url := waitLog(t, &logs, `serving addr=(http://\S+)`) // the signal handler is installed by now

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := zmq4.NewSub(ctx)
	defer sub.Close()
	if err := sub.Dial(kv); err != nil {
		t.Fatal(err)
	}
	if err := sub.SetOption(zmq4.OptionSubscribe, "kv@pod-1@"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url+"/v1/completions", "application/json",
		strings.NewReader(`{"prompt":"ROMEO:","max_tokens":48,"temperature":0,"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, 16)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r, err := http.Get(url + "/ready")
		if err != nil {
			t.Fatalf("/ready unreachable during the drain delay: %v", err)
		}
		r.Body.Close()
		if r.StatusCode == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/ready still %d after SIGTERM", r.StatusCode)
		}
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(rest)), "data: [DONE]") {
		t.Fatalf("running stream did not finish after SIGTERM (%v): ...%s", err, rest[max(0, len(rest)-200):])
	}
	// The last batch on the socket says the replica's cache is gone.
	var last [][]byte
	stored := 0 // BlockStored events of 16-token blocks before AllBlocksCleared
	got := make(chan error, 1)
	go func() {
		for {
			m, err := sub.Recv()
			if err != nil {
				got <- err
				return
			}
			last = m.Frames
			var batch []any
			if msgpack.Unmarshal(m.Frames[2], &batch) == nil && len(batch) == 3 {
				if evs, _ := batch[1].([]any); len(evs) > 0 {
					for _, e := range evs {
						if ev, _ := e.([]any); len(ev) > 4 && ev[0] == "BlockStored" && fmt.Sprint(ev[4]) == "16" {
							stored++
						}
					}
					if ev, _ := evs[len(evs)-1].([]any); len(ev) == 1 && ev[0] == "AllBlocksCleared" {
						got <- nil
						return
					}
				}
			}
		}
	}()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("event socket closed before AllBlocksCleared (last %q): %v", last, err)
		}
		if stored == 0 {
			t.Fatal("no BlockStored event of 16-token blocks for a 51-token request")
		}
	case <-time.After(90 * time.Second):
		t.Fatal("no AllBlocksCleared after SIGTERM")
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d:\n%s", code, logs.String())
		}
	case <-time.After(90 * time.Second):
		t.Fatal("serve did not exit after draining")
	}
	if !strings.Contains(logs.String(), "draining") {
		t.Errorf("no draining log line:\n%s", logs.String())
	}
}
