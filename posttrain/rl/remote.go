package rl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train"
)

// RemoteGenerator samples with `herd serve --weight-updates` processes
// through the OpenAI completions API (token-id prompts, logprobs), as RL
// frameworks drive vLLM, and pushes new policies to every server's
// /v1/weights endpoint. Requests go to the servers in turn.
type RemoteGenerator struct {
	urls   []string
	key    string
	client *http.Client
	vocab  int
	next   atomic.Uint64

	mu      sync.RWMutex // held for writing while weights are pushed (one push at a time)
	version int64        // the run's version of the installed policy; -1 before the first push
	offset  int64        // the servers' version of the run's version 0
}

// maxChoices is the most choices one request asks for (herd serve's
// default limit).
const maxChoices = 8

// NewRemoteGenerator talks to the servers at urls (base URLs such as
// http://127.0.0.1:8080) with API key key. tok must be the served model's
// tokenizer. Completions are asked with return_tokens_as_token_ids (as
// vLLM's), so that the tokens are the sampled ids.
// It reads the servers' weight versions: the run's version v is pushed as
// the servers' version offset+v, offset above all of them. UpdateWeights
// must install a policy before the first Generate.
func NewRemoteGenerator(ctx context.Context, urls []string, key string, tok *tokenizer.Tokenizer) (*RemoteGenerator, error) {
	if len(urls) == 0 {
		return nil, fmt.Errorf("rl: no generator URL")
	}
	for i, u := range urls {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return nil, fmt.Errorf("rl: generator URL %q is not http(s)://host:port", u)
		}
		urls[i] = strings.TrimRight(u, "/")
	}
	g := &RemoteGenerator{urls: urls, key: key, client: &http.Client{}, vocab: tok.VocabSize(), version: -1}
	for _, u := range urls {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u+"/v1/weights", nil)
		if err != nil {
			return nil, fmt.Errorf("rl: %w", err)
		}
		b, err := g.do(req)
		if err != nil {
			return nil, fmt.Errorf("rl: generator %s does not take weight updates (herd serve --weight-updates --api-key KEY): %w", u, err)
		}
		var v struct {
			Version *int64 `json:"version"`
		}
		if err := json.Unmarshal(b, &v); err != nil || v.Version == nil {
			return nil, fmt.Errorf("rl: generator %s: weight version reply %q", u, b)
		}
		g.offset = max(g.offset, *v.Version+1)
	}
	return g, nil
}

// UpdateWeights pushes p to every server as version; Generate waits.
func (g *RemoteGenerator) UpdateWeights(ctx context.Context, p *train.Params[float32], version int64) error {
	b, err := WeightBytes(p)
	if err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, u := range g.urls {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/v1/weights?version=%d", u, g.offset+version), bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("rl: %w", err)
		}
		req.Header.Set("Content-Type", "application/octet-stream")
		if _, err := g.do(req); err != nil {
			return fmt.Errorf("rl: pushing weights version %d to %s: %w", version, u, err)
		}
	}
	g.version = version
	return nil
}

// do sends req with the key and returns the body of a 200 reply.
func (g *RemoteGenerator) do(req *http.Request) ([]byte, error) {
	if g.key != "" {
		req.Header.Set("Authorization", "Bearer "+g.key)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return b, nil
}

// Generate asks a server for the completions (in requests of at most
// maxChoices), with the log-probability of every sampled token.
func (g *RemoteGenerator) Generate(ctx context.Context, r GenRequest) ([]Completion, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	g.mu.RLock()
	version := g.version
	g.mu.RUnlock()
	if version < 0 {
		return nil, fmt.Errorf("rl: remote generator used before a policy was pushed")
	}
	var out []Completion
	for lo := 0; lo < r.N; lo += maxChoices {
		n := min(maxChoices, r.N-lo)
		cs, err := g.request(ctx, r, n, r.Seed+uint64(lo), version)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

type remoteReply struct {
	Choices []struct {
		Index        int     `json:"index"`
		FinishReason *string `json:"finish_reason"`
		Logprobs     *struct {
			Tokens        []string  `json:"tokens"`
			TokenLogprobs []float32 `json:"token_logprobs"`
		} `json:"logprobs"`
	} `json:"choices"`
}

func (g *RemoteGenerator) request(ctx context.Context, r GenRequest, n int, seed uint64, version int64) ([]Completion, error) {
	u := g.urls[int(g.next.Add(1)-1)%len(g.urls)]
	body, err := json.Marshal(map[string]any{"prompt": r.Prompt, "max_tokens": r.MaxTokens, "temperature": r.Temperature,
		"n": n, "seed": int64(seed >> 1), "logprobs": 0, "return_tokens_as_token_ids": true})
	if err != nil {
		return nil, fmt.Errorf("rl: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u+"/v1/completions", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("rl: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	b, err := g.do(req)
	if err != nil {
		return nil, fmt.Errorf("rl: generating with %s: %w", u, err)
	}
	var rep remoteReply
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("rl: %s: completion reply: %w", u, err)
	}
	if len(rep.Choices) != n {
		return nil, fmt.Errorf("rl: %s answered %d choices for %d", u, len(rep.Choices), n)
	}
	out := make([]Completion, n)
	for _, ch := range rep.Choices {
		if ch.Index < 0 || ch.Index >= n || ch.Logprobs == nil || len(ch.Logprobs.Tokens) != len(ch.Logprobs.TokenLogprobs) || ch.FinishReason == nil {
			return nil, fmt.Errorf("rl: %s: choice %d without matching tokens, logprobs and finish reason", u, ch.Index)
		}
		c := Completion{Finish: *ch.FinishReason, Version: version, Logprobs: ch.Logprobs.TokenLogprobs}
		for _, t := range ch.Logprobs.Tokens {
			id, err := strconv.Atoi(strings.TrimPrefix(t, "token_id:"))
			if err != nil || !strings.HasPrefix(t, "token_id:") || id < 0 || id >= g.vocab {
				return nil, fmt.Errorf("rl: %s returned token %q, not token_id:N with N in [0, %d)", u, t, g.vocab)
			}
			c.Tokens = append(c.Tokens, int32(id))
		}
		out[ch.Index] = c
	}
	return out, nil
}
