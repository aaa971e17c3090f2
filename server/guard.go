package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/guard"
	"github.com/herd-llm/herd/server/internal/core"
)

// DefaultRefusal is the answer a screened request or answer gets.
const DefaultRefusal = "I can't answer that. Can I help with something else?"

// GuardOptions turn on safeguards: every chat and text completion request
// is screened before it is scheduled, and every answer before it is
// returned (streams per Window characters and at the end); an unsafe
// request gets Refusal as its answer and an unsafe answer is replaced by it
// (finish_reason "content_filter"), a stream is cut there. POST
// /v1/moderations answers with the classifier's verdicts.
type GuardOptions struct {
	Classifier guard.Classifier // Llama Guard; nil: requests are screened by Prompt alone
	// Prompt, when set, screens each request's last user message first
	// (Prompt Guard: jailbreaks and prompt injections); answers are not
	// given to it.
	Prompt  guard.Classifier
	Model   string // the guard's name, reported by /v1/moderations
	Window  int    // characters of a streamed answer per check (default 512)
	Refusal string // default DefaultRefusal
	// Scheduler, when set, is the one the main model's engine, the
	// guard's and Prompt Guard's passes share: /metrics reports each one's
	// turns of it.
	Scheduler *engine.Scheduler
}

// guardState holds the guard's options and its metrics.
type guardState struct {
	o  GuardOptions
	mu sync.Mutex
	// checks counts verdicts by stage ("request", "answer", "stream",
	// "moderation") and result; flagged counts unsafe verdicts by category.
	checks  map[string]int64
	flagged map[string]int64
	seconds float64 // time spent in the classifier
}

func newGuardState(o *GuardOptions) *guardState {
	if o == nil || o.Classifier == nil && o.Prompt == nil {
		return nil
	}
	g := &guardState{o: *o, checks: map[string]int64{}, flagged: map[string]int64{}}
	if g.o.Window <= 0 {
		g.o.Window = 512
	}
	if g.o.Refusal == "" {
		g.o.Refusal = DefaultRefusal
	}
	return g
}

// imageClassifier is a classifier that also checks images
// (guard.LlamaGuard): images[k] is the data of conv's k-th image part.
type imageClassifier interface {
	ClassifyImages(ctx context.Context, conv []chat.Message, role string, images [][]byte) (guard.Verdict, error)
}

// classify runs the classifier and records the verdict under stage. A
// classifier that cannot take images gets the conversation's text.
func (g *guardState) classify(ctx context.Context, stage string, conv []chat.Message, role string, images [][]byte) (guard.Verdict, error) {
	c := g.o.Classifier
	if stage == "prompt" {
		c = g.o.Prompt
	}
	if c == nil {
		return guard.Verdict{Score: -1}, nil // no classifier for this stage: not screened
	}
	t0 := time.Now()
	var v guard.Verdict
	var err error
	if ic, ok := c.(imageClassifier); ok && len(images) > 0 {
		v, err = ic.ClassifyImages(ctx, conv, role, images)
	} else {
		v, err = c.Classify(ctx, textOnly(conv), role)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seconds += time.Since(t0).Seconds()
	switch {
	case err != nil:
		g.checks[stage+",error"]++
	case v.Unsafe:
		g.checks[stage+",unsafe"]++
		switch {
		case stage == "prompt":
			g.flagged["MALICIOUS"]++ // Prompt Guard: a jailbreak or prompt injection
		case len(v.Categories) == 0:
			g.flagged["unspecified"]++
		}
		for _, c := range v.Categories {
			g.flagged[c]++
		}
	default:
		g.checks[stage+",safe"]++
	}
	return v, err
}

// writeMetrics appends the guard's counters to /metrics.
func (g *guardState) writeMetrics(w io.Writer) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	fmt.Fprintf(w, "# HELP herd_guard_checks_total Guard verdicts by stage and result.\n# TYPE herd_guard_checks_total counter\n")
	for _, k := range slices.Sorted(maps.Keys(g.checks)) {
		stage, res, _ := strings.Cut(k, ",")
		fmt.Fprintf(w, "herd_guard_checks_total{stage=%q,result=%q} %d\n", stage, res, g.checks[k])
	}
	fmt.Fprintf(w, "# HELP herd_guard_flagged_total Unsafe verdicts by hazard category.\n# TYPE herd_guard_flagged_total counter\n")
	for _, k := range slices.Sorted(maps.Keys(g.flagged)) {
		name, _ := guard.CategoryName(k)
		fmt.Fprintf(w, "herd_guard_flagged_total{category=%q,name=%q} %d\n", k, name, g.flagged[k])
	}
	fmt.Fprintf(w, "# HELP herd_guard_seconds_total Time spent classifying.\n# TYPE herd_guard_seconds_total counter\nherd_guard_seconds_total %g\n", g.seconds)
	writeScheduler(w, g.o.Scheduler)
}

// screenedRequest is what the guard reads of a completion request.
type screenedRequest struct {
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Prompt json.RawMessage `json:"prompt"`
	Stream bool            `json:"stream"`
}

// textOnly drops the images of conv's messages.
func textOnly(conv []chat.Message) []chat.Message {
	out := make([]chat.Message, len(conv))
	for i, m := range conv {
		out[i] = chat.Message{Role: m.Role, Content: m.Content}
		for _, p := range m.Parts {
			out[i].Content += p.Text
		}
	}
	return out
}

// conversation is the request's user and assistant turns (system and tool
// messages are not screened), with the data of the user messages' images
// (data URLs; an image that does not decode is left to the endpoint to
// refuse).
func (q *screenedRequest) conversation() ([]chat.Message, [][]byte) {
	var conv []chat.Message
	var images [][]byte
	for _, m := range q.Messages {
		role := ""
		switch m.Role {
		case "user":
			role = chat.RoleUser
		case "assistant":
			role = chat.RoleAssistant
		default:
			continue
		}
		c, _ := chat.DecodeContent(m.Content) // content the endpoint cannot read is its to refuse
		cm := chat.Message{Role: role, Content: c.Text}
		if role == chat.RoleUser {
			var parts []core.ContentPart
			if json.Unmarshal(m.Content, &parts) == nil {
				for _, p := range parts {
					if p.Type != "image_url" || p.ImageURL == nil {
						continue
					}
					if data, err := core.ParseImageURL(p.ImageURL.URL); err == nil {
						if cm.Parts == nil {
							cm.Parts = []chat.Part{{Text: cm.Content}}
							cm.Content = ""
						}
						cm.Parts = append(cm.Parts, chat.Part{Image: true})
						images = append(images, data)
					}
				}
			}
		}
		conv = append(conv, cm)
	}
	if q.Prompt != nil {
		var one string
		var many []string
		if json.Unmarshal(q.Prompt, &one) == nil {
			many = []string{one}
		} else if json.Unmarshal(q.Prompt, &many) != nil {
			return nil, nil
		}
		conv = append(conv, chat.Message{Role: chat.RoleUser, Content: strings.Join(many, "\n")})
	}
	return conv, images
}

// hasUser reports whether conv has a user message to screen.
func hasUser(conv []chat.Message) bool {
	for _, m := range conv {
		if m.Role == chat.RoleUser {
			return true
		}
	}
	return false
}

// guarded wraps the completion endpoints with the guard (see GuardOptions).
// Requests it cannot read pass through unscreened to the endpoint, which
// answers their error.
func (s *Server) guarded(next http.Handler) http.Handler {
	g := s.guard
	if g == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chatEP := r.URL.Path == "/v1/chat/completions"
		if r.Method != http.MethodPost || !chatEP && r.URL.Path != "/v1/completions" ||
			s.o.APIKey != "" && !authorized(r, s.o.APIKey) || s.closing.Load() {
			next.ServeHTTP(w, r)
			return
		}
		orig := r.Body
		body, err := io.ReadAll(io.LimitReader(orig, s.o.MaxBody+1))
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), orig)) // the endpoint reads (and limits) it again
		var q screenedRequest
		if err != nil || int64(len(body)) > s.o.MaxBody || json.Unmarshal(body, &q) != nil {
			next.ServeHTTP(w, r)
			return
		}
		conv, images := q.conversation()
		if !hasUser(conv) {
			next.ServeHTTP(w, r)
			return
		}
		for _, stage := range []string{"prompt", "request"} {
			v, err := g.classify(r.Context(), stage, conv, guard.RoleUser, images)
			if err != nil {
				core.WriteError(w, &core.APIError{Status: http.StatusServiceUnavailable, Message: "the guard failed to screen the request: " + err.Error(), Type: "server_error"})
				return
			}
			if v.Unsafe {
				s.refuse(w, chatEP, q.Stream)
				return
			}
		}
		if g.o.Classifier == nil {
			next.ServeHTTP(w, r) // Prompt Guard judges inputs only
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		r = r.WithContext(ctx)
		if q.Stream {
			gw := &guardStream{s: s, w: w, conv: conv, images: images, chat: chatEP, ctx: ctx, cancel: cancel, choices: map[int]*streamChoice{}}
			next.ServeHTTP(gw, r)
			gw.end()
			return
		}
		bw := &bufferedWriter{header: http.Header{}, status: http.StatusOK}
		next.ServeHTTP(bw, r)
		s.screenAnswer(w, bw, conv, images, chatEP)
	})
}

// refuse answers an unsafe request with the refusal, in the endpoint's
// shape (a stream when one was asked for).
func (s *Server) refuse(w http.ResponseWriter, chatEP, stream bool) {
	s.c.FixedAnswer(w, chatEP, stream, s.guard.o.Refusal, "content_filter")
}

// bufferedWriter holds a whole non-streamed answer for screening.
type bufferedWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) WriteHeader(code int)        { b.status = code }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }

// screenAnswer checks each choice of a buffered answer as the agent's turn
// after conv, replaces unsafe ones with the refusal, and sends the answer.
func (s *Server) screenAnswer(w http.ResponseWriter, bw *bufferedWriter, conv []chat.Message, images [][]byte, chatEP bool) {
	out := bw.buf.Bytes()
	var doc map[string]any
	if bw.status == http.StatusOK && json.Unmarshal(out, &doc) == nil {
		choices, _ := doc["choices"].([]any)
		changed := false
		for _, c := range choices {
			choice, _ := c.(map[string]any)
			text, set := choiceText(choice, chatEP)
			if text == "" {
				continue
			}
			v, err := s.guard.classify(context.Background(), "answer", append(conv[:len(conv):len(conv)], chat.Message{Role: chat.RoleAssistant, Content: text}), guard.RoleAgent, images)
			if err != nil {
				core.WriteError(w, &core.APIError{Status: http.StatusServiceUnavailable, Message: "the guard failed to screen the answer: " + err.Error(), Type: "server_error"})
				return
			}
			if v.Unsafe {
				set(s.guard.o.Refusal)
				choice["finish_reason"] = "content_filter"
				changed = true
			}
		}
		if changed {
			out, _ = json.Marshal(doc)
			bw.header.Del("Content-Length")
		}
	}
	for k, vs := range bw.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(bw.status)
	w.Write(out)
}

// choiceText returns the text of a choice (chat: message.content;
// completions: text) and a function that replaces it and drops tool calls
// and logprobs.
func choiceText(choice map[string]any, chatEP bool) (string, func(string)) {
	if choice == nil {
		return "", nil
	}
	if !chatEP {
		t, _ := choice["text"].(string)
		return t, func(s string) { choice["text"] = s; delete(choice, "logprobs") }
	}
	msg, _ := choice["message"].(map[string]any)
	if msg == nil {
		return "", nil
	}
	t, _ := msg["content"].(string)
	if calls, ok := msg["tool_calls"]; ok && calls != nil {
		b, _ := json.Marshal(calls)
		t += string(b)
	}
	return t, func(s string) { msg["content"] = s; delete(msg, "tool_calls"); delete(choice, "logprobs") }
}
