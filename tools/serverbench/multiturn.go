package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// turnResult is one chat turn as the client saw it.
type turnResult struct {
	ttft           time.Duration // request sent → first streamed content
	prompt, cached int           // the server's usage: prompt tokens, of which reused from its cache
	answer         string
}

// multiTurn runs convs conversations of turns turns each, round-robin (turn
// t of every conversation, then turn t+1), so that with fewer server slots
// than conversations a turn's prefix survives only in a shared prefix
// cache. Each turn extends the last: the history, the answer, and a new
// user message of about words words. It prints, per turn, the prompt and
// cached tokens (summed over conversations), the hit rate and the median
// time to first token.
func multiTurn(url, model string, convs, turns, words, maxTokens int) error {
	hist := make([][]map[string]string, convs)
	fmt.Printf("%-5s %-14s %-14s %-9s %s\n", "turn", "prompt tokens", "cached tokens", "hit rate", "median TTFT")
	var allPrompt, allCached int
	for t := range turns {
		var ttfts []time.Duration
		prompt, cached := 0, 0
		for c := range convs {
			hist[c] = append(hist[c], map[string]string{"role": "user", "content": userText(c, t, words)})
			r, err := chatTurn(url, model, hist[c], maxTokens)
			if err != nil {
				return fmt.Errorf("conversation %d turn %d: %w", c, t, err)
			}
			hist[c] = append(hist[c], map[string]string{"role": "assistant", "content": r.answer})
			ttfts = append(ttfts, r.ttft)
			prompt += r.prompt
			cached += r.cached
		}
		slices.Sort(ttfts)
		allPrompt += prompt
		allCached += cached
		fmt.Printf("%-5d %-14d %-14d %-9s %.1f ms\n", t+1, prompt/convs, cached/convs, fmt.Sprintf("%.0f%%", 100*float64(cached)/float64(max(prompt, 1))),
			float64(ttfts[len(ttfts)/2].Microseconds())/1000)
	}
	fmt.Printf("overall hit rate: %.1f%% of %d prompt tokens\n", 100*float64(allCached)/float64(max(allPrompt, 1)), allPrompt)
	return nil
}

// userText is a deterministic user message of about words words, different
// for each conversation and turn.
func userText(conv, turn, words int) string {
	vocab := []string{"river", "stone", "lamp", "orbit", "cedar", "quartz", "violet", "harbor", "signal", "meadow", "copper", "falcon"}
	var b strings.Builder
	fmt.Fprintf(&b, "Conversation %d, turn %d:", conv, turn)
	for i := range words {
		b.WriteString(" " + vocab[(conv*7+turn*5+i*i)%len(vocab)])
	}
	return b.String()
}

// chatTurn sends one streamed greedy chat completion and times its first
// content chunk.
func chatTurn(url, model string, msgs []map[string]string, maxTokens int) (turnResult, error) {
	body := map[string]any{"messages": msgs, "max_tokens": maxTokens, "temperature": 0, "stream": true,
		"stream_options": map[string]any{"include_usage": true}}
	if model != "" {
		body["model"] = model
	}
	req, err := json.Marshal(body)
	if err != nil {
		return turnResult{}, err
	}
	start := time.Now()
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", bytes.NewReader(req))
	if err != nil {
		return turnResult{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return turnResult{}, fmt.Errorf("status %d", resp.StatusCode)
	}
	var r turnResult
	var answer strings.Builder
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		var ch struct {
			Choices []struct {
				Delta struct {
					Content string `json:"content"`
				} `json:"delta"`
			} `json:"choices"`
			Usage *struct {
				PromptTokens int `json:"prompt_tokens"`
				Details      struct {
					CachedTokens int `json:"cached_tokens"`
				} `json:"prompt_tokens_details"`
			} `json:"usage"`
		}
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			return r, fmt.Errorf("decoding chunk %q: %w", data, err)
		}
		for _, c := range ch.Choices {
			if c.Delta.Content != "" && r.ttft == 0 {
				r.ttft = time.Since(start)
			}
			answer.WriteString(c.Delta.Content)
		}
		if ch.Usage != nil {
			r.prompt, r.cached = ch.Usage.PromptTokens, ch.Usage.Details.CachedTokens
		}
	}
	if r.ttft == 0 {
		r.ttft = time.Since(start) // an empty answer: the whole request
	}
	r.answer = answer.String()
	return r, sc.Err()
}
