package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// WorkerError is a failure of one worker, as the leader sees it.
type WorkerError struct {
	Addr   string
	Lo, Hi int    // its layers
	Code   string // the worker's error code, "" for a transport failure
	Err    error
}

func (e *WorkerError) Error() string {
	what := "unreachable"
	switch {
	case errors.Is(e.Err, ErrWrongSecret):
		what = "failed authentication"
	case e.Code != "":
		what = "refused the call"
	}
	if e.Hi == 0 { // before it was given layers
		return fmt.Sprintf("cluster: worker %s %s: %v", e.Addr, what, e.Err)
	}
	return fmt.Sprintf("cluster: worker %s (layers %d–%d) %s: %v", e.Addr, e.Lo, e.Hi-1, what, e.Err)
}

func (e *WorkerError) Unwrap() error { return e.Err }

// http2Config is both ends' HTTP/2 tuning: ping an idle connection after
// 15 s and drop it when the ping is not answered in 5 s; the largest flow
// control windows, so that a prefill's megabytes of hidden states need few
// round trips.
func http2Config() *http.HTTP2Config {
	return &http.HTTP2Config{
		SendPingTimeout: 15 * time.Second, PingTimeout: 5 * time.Second, WriteByteTimeout: 30 * time.Second,
		MaxReceiveBufferPerConnection: 4<<20 - 1, MaxReceiveBufferPerStream: 4<<20 - 1,
	}
}

// client is the leader's connection to one worker stage.
type client struct {
	mu       sync.Mutex // one forward call (or re-assignment) at a time
	addr     string
	lo, hi   int
	hash     string // RangeHash of the leader's copy of [lo, hi)
	hc       *http.Client
	assign   uint64 // 0 until the worker accepted the stage
	instance string // the worker process that accepted it
}

// newClient makes the HTTP/2-over-TLS client of a worker; every call is
// bounded by timeout, and a connection that stops answering is detected by
// HTTP/2 pings within about 20 s even when no packet says it is gone.
func newClient(addr string, auth *Auth, timeout time.Duration) *client {
	tr := &http.Transport{
		TLSClientConfig:     auth.ClientConfig(),
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		HTTP2:               http2Config(),
	}
	tr.Protocols = new(http.Protocols)
	tr.Protocols.SetHTTP2(true)
	return &client{addr: addr, hc: &http.Client{Transport: tr, Timeout: timeout}}
}

func (c *client) fail(code string, err error) *WorkerError {
	return &WorkerError{Addr: c.addr, Lo: c.lo, Hi: c.hi, Code: code, Err: err}
}

// call sends body to path (GET when body is nil) and returns the reply
// body; a non-200 status is a WorkerError with the worker's code.
func (c *client) call(ctx context.Context, path string, body []byte) ([]byte, error) {
	b, _, err := c.callHeader(ctx, path, body)
	return b, err
}

// callHeader is call returning the reply's header too.
func (c *client) callHeader(ctx context.Context, path string, body []byte) ([]byte, http.Header, error) {
	method := http.MethodGet
	var rd io.Reader
	if body != nil {
		method, rd = http.MethodPost, bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "https://"+c.addr+path, rd)
	if err != nil {
		return nil, nil, c.fail("", err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, c.fail("", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxForwardBody+1))
	if err != nil {
		return nil, nil, c.fail("", fmt.Errorf("reading the reply: %w", err))
	}
	if resp.StatusCode != http.StatusOK {
		var e errorReply
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e = errorReply{Code: codeBad, Error: fmt.Sprintf("status %s: %.200q", resp.Status, b)}
		}
		return nil, nil, c.fail(e.Code, errors.New(e.Error))
	}
	return b, resp.Header, nil
}

// callJSON is call with a JSON request (nil: GET) and reply.
func (c *client) callJSON(ctx context.Context, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	b, err := c.call(ctx, path, body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return c.fail(codeBad, fmt.Errorf("reply of %s: %w", path, err))
	}
	return nil
}

// info asks the worker about itself.
func (c *client) info(ctx context.Context) (infoReply, error) {
	var r infoReply
	err := c.callJSON(ctx, pathInfo, nil, &r)
	return r, err
}
