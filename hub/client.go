package hub

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client downloads from one hub into one cache. The zero value is not
// usable; NewClient fills it from the environment.
type Client struct {
	// Endpoint is the hub's base URL, e.g. https://huggingface.co.
	Endpoint string
	// Token, when set, is sent as "Authorization: Bearer <Token>".
	Token string
	// CacheDir is the hub cache (the folder holding models--org--name).
	CacheDir string
	// HTTP does the requests; nil means a client with response-header
	// timeouts but no overall one (downloads may take hours).
	HTTP *http.Client
	// Progress, when non-nil, receives a progress line (bytes, rate, ETA)
	// rewritten in place with '\r': meant for a terminal.
	Progress io.Writer
	// Log, when non-nil, receives one-line notes (e.g. which GGUF was taken).
	Log io.Writer
}

// NewClient is a Client for $HF_ENDPOINT (or the Hugging Face hub) with
// $HF_TOKEN (or the saved login token) and the cache CacheDir().
func NewClient() *Client {
	return &Client{Endpoint: Endpoint(), Token: Token(), CacheDir: CacheDir()}
}

var defaultHTTP = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	ForceAttemptHTTP2:     true,
	TLSHandshakeTimeout:   30 * time.Second,
	ResponseHeaderTimeout: 2 * time.Minute,
	IdleConnTimeout:       90 * time.Second,
}}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

// base checks and returns the endpoint without a trailing slash.
func (c *Client) base() (string, error) {
	e := strings.TrimRight(c.Endpoint, "/")
	u, err := url.Parse(e)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("hub endpoint %q: want an http:// or https:// URL", c.Endpoint)
	}
	return e, nil
}

// get sends a GET with the token and the extra header (name, value pairs).
// A transport failure is wrapped with the endpoint; the caller checks the
// status and closes the body.
func (c *Client) get(ctx context.Context, u string, header ...string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("hub request %s: %w", u, err)
	}
	req.Header.Set("User-Agent", "herd")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("cannot reach the hub at %s (set HF_ENDPOINT or --endpoint for a mirror): %w", c.Endpoint, err)
	}
	return resp, nil
}

// escapeRepo escapes each part of "org/name" for a URL path.
func escapeRepo(repo string) string {
	org, name, _ := strings.Cut(repo, "/")
	return url.PathEscape(org) + "/" + url.PathEscape(name)
}

// escapeFile escapes each "/"-separated part of a file path.
func escapeFile(file string) string {
	parts := strings.Split(file, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// Info fetches the repository's file list at revision (a branch, tag or
// commit), with sizes and hashes.
func (c *Client) Info(ctx context.Context, repo, revision string) (*RepoInfo, error) {
	if err := checkRepo(repo); err != nil {
		return nil, err
	}
	base, err := c.base()
	if err != nil {
		return nil, err
	}
	u := base + "/api/models/" + escapeRepo(repo) + "/revision/" + url.PathEscape(revision) + "?blobs=true"
	resp, err := c.get(ctx, u, "Accept", "application/json")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, responseError(resp, fmt.Sprintf("repository %s at revision %s", repo, revision))
	}
	info, err := parseInfo(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	return info, nil
}

// fileURL is where the bytes of file at commit are.
func (c *Client) fileURL(base, repo, commit, file string) string {
	return base + "/" + escapeRepo(repo) + "/resolve/" + url.PathEscape(commit) + "/" + escapeFile(file)
}
