package gatewaytest

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// stream is a streaming completion through the router.
type stream struct {
	pod  string
	resp *http.Response
	sc   *bufio.Scanner
}

// openStream starts a streaming completion and reads its first event.
func openStream(t *testing.T, url, prompt string, maxTokens int) *stream {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"prompt": prompt, "max_tokens": maxTokens, "temperature": 0, "stream": true})
	resp, err := http.Post(url+"/v1/completions", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream of %q: status %d", prompt, resp.StatusCode)
	}
	s := &stream{pod: resp.Header.Get("X-Routed-To"), resp: resp, sc: bufio.NewScanner(resp.Body)}
	t.Cleanup(func() { resp.Body.Close() })
	if s.next() == "" {
		t.Fatalf("stream on %s ended before its first event", s.pod)
	}
	return s
}

// next returns the stream's next data payload ("" at its end).
func (s *stream) next() string {
	for s.sc.Scan() {
		if d, ok := strings.CutPrefix(s.sc.Text(), "data: "); ok {
			return d
		}
	}
	return ""
}

// rest reads the stream to its end: the events' count and the last one.
func (s *stream) rest() (n int, last string) {
	for d := s.next(); d != ""; d = s.next() {
		n, last = n+1, d
	}
	return n, last
}

// TestReplicaKilledMidStream: three streams run on three replicas (each
// new prompt goes to the least loaded replica); one replica is killed in
// the middle of its stream. The other two streams finish, the killed one
// ends with an error event naming its replica, the router stops routing
// to the dead replica once its event socket closes, and a request whose
// prefix only the dead replica held is answered by another.
func TestReplicaKilledMidStream(t *testing.T) {
	reps, rt, front, _ := cluster(t, 3, 5*time.Millisecond)
	prompts := []string{
		"Once upon a time, in a kingdom by the sea, there lived",
		"The recipe calls for three eggs, a cup of flour and",
		"In the beginning the universe was created. This has made",
	}
	// A first, short turn of each puts its prefix on one replica.
	for i, p := range prompts {
		if pod, _ := complete(t, front.URL, p, 1); pod != reps[i].name {
			t.Fatalf("prompt %d went to %s, want the idle %s", i, pod, reps[i].name)
		}
	}
	// Streams on pod-a and pod-c, then (pod-a and pod-c busy, pod-b idle)
	// a request with pod-a's prefix still goes to pod-a, then pod-b's
	// stream, and pod-b is killed as soon as that stream has begun.
	streams := make([]*stream, len(prompts))
	for _, i := range []int{0, 2, 1} {
		toks, _ := rt.o.Tokenize(prompts[i])
		waitFor(t, reps[i].name+"'s events", func() bool { return rt.Held(reps[i].name, toks) > 0 })
		if i == 1 {
			pod, _ := complete(t, front.URL, prompts[0]+" again", 1)
			d := rt.Decisions()[len(rt.Decisions())-1]
			if pod != reps[0].name || d.Load[reps[0].name] <= d.Load[reps[1].name] {
				t.Errorf("with %s busy (load %v) its prefix went to %s, want %s: the prefix outweighs the load", reps[0].name, d.Load, pod, reps[0].name)
			}
		}
		streams[i] = openStream(t, front.URL, prompts[i], 400)
		if streams[i].pod != reps[i].name {
			t.Fatalf("stream %d went to %s, want %s, which holds its prefix", i, streams[i].pod, reps[i].name)
		}
	}
	victim := reps[1]
	victim.kill()
	for i, s := range streams {
		n, last := s.rest()
		if i == 1 {
			if !strings.Contains(last, `"replica_failed"`) || !strings.Contains(last, "replica "+victim.name+" failed mid-stream") {
				t.Errorf("the killed stream ended after %d more events with %q, want an error naming %s", n, last, victim.name)
			}
			t.Logf("the killed stream's last event: %s", last)
			continue
		}
		if last != "[DONE]" {
			t.Errorf("stream %d on %s ended after %d more events with %q, want it to finish", i, s.pod, n, last)
		}
	}
	waitFor(t, "the router to mark "+victim.name+" down", func() bool { return rt.Down(victim.name) != "" })
	why := rt.Down(victim.name)
	if !strings.Contains(why, "event socket") && !strings.Contains(why, "metrics") {
		t.Errorf("%s is down because %q, want its event socket or metrics", victim.name, why)
	}
	t.Logf("%s is down: %s", victim.name, why)
	for i, p := range prompts {
		pod, _ := complete(t, front.URL, p+" and then", 4)
		if pod == victim.name || (i != 1 && pod != reps[i].name) {
			t.Errorf("after the kill, prompt %d went to %s (replicas %s, %s, %s; %s dead)", i, pod, reps[0].name, reps[1].name, reps[2].name, victim.name)
		}
	}
	if d := rt.Decisions(); len(d[len(d)-1].Load) != 2 {
		t.Errorf("the last decision weighed %v, want the two live replicas", d[len(d)-1].Load)
	}
}
