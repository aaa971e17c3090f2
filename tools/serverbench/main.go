// Command serverbench measures the aggregate decode throughput of an
// OpenAI-compatible server (herd serve, llama.cpp's llama-server, vLLM) under
// P concurrent streams: every stream sends the same completion request in a
// loop, and the tokens counted are the servers' own usage.completion_tokens.
//
//	go run ./tools/serverbench -url http://127.0.0.1:8080 -p 8 -n 32 -r 3
//
// It prints one line per round (P requests started together) and the median
// of the aggregate tokens/s: completion tokens of the round ÷ wall time from
// the first request sent to the last answer received.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"slices"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "server base URL")
	p := flag.Int("p", 8, "concurrent streams")
	n := flag.Int("n", 32, "max_tokens per request")
	r := flag.Int("r", 3, "rounds (the median is printed)")
	model := flag.String("model", "", "model field of the request")
	prompt := flag.String("prompt", "Once upon a time", "prompt")
	ignoreEOS := flag.Bool("ignore-eos", false, "send llama.cpp's ignore_eos (servers that know it decode exactly -n tokens)")
	flag.Parse()

	body := map[string]any{"prompt": *prompt, "max_tokens": *n, "temperature": 0}
	if *model != "" {
		body["model"] = *model
	}
	if *ignoreEOS {
		body["ignore_eos"] = true
	}
	req, err := json.Marshal(body)
	if err != nil {
		log.Fatal(err)
	}
	var rates []float64
	for round := 0; round < *r; round++ {
		var wg sync.WaitGroup
		toks := make([]int, *p)
		errs := make([]error, *p)
		start := time.Now()
		for i := range *p {
			wg.Add(1)
			go func() {
				defer wg.Done()
				toks[i], errs[i] = complete(*url+"/v1/completions", req)
			}()
		}
		wg.Wait()
		el := time.Since(start).Seconds()
		total := 0
		for i := range *p {
			if errs[i] != nil {
				log.Fatalf("stream %d: %v", i, errs[i])
			}
			total += toks[i]
		}
		rate := float64(total) / el
		rates = append(rates, rate)
		fmt.Printf("round %d: %d streams, %d tokens in %.2f s: %.1f tokens/s\n", round, *p, total, el, rate)
	}
	slices.Sort(rates)
	fmt.Printf("median aggregate: %.1f tokens/s (%d streams, max_tokens %d)\n", rates[len(rates)/2], *p, *n)
}

// complete sends one completion request and returns its completion tokens.
func complete(url string, req []byte) (int, error) {
	resp, err := http.Post(url, "application/json", bytes.NewReader(req))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	var out struct {
		Usage struct {
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return 0, fmt.Errorf("decoding answer: %w", err)
	}
	return out.Usage.CompletionTokens, nil
}
