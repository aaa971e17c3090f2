package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
)

// fakeConfig is the tiny preset with the byte tokenizer's end of turn, for
// servers over a fakeEngine.
func fakeConfig(t testing.TB) *llama4.Config {
	t.Helper()
	cfg, err := checkpoint.PresetConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg.EOS = []int{257}
	return cfg
}

func TestParseOrigins(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // the list, comma-separated, or "error"
	}{
		{"*", "*"},
		{"https://a.example", "https://a.example"},
		{"https://a.example, http://localhost:3000", "https://a.example,http://localhost:3000"},
		{"https://a.example/", "https://a.example/"},
		{"a.example", "error"},
		{"https://a.example/path", "error"},
		{"https://a.example?x", "error"},
		{"https://user@a.example", "error"},
		{"", "error"},
		{"https://a.example,", "error"},
	} {
		o, err := ParseOrigins(tc.in)
		got := strings.Join(o, ",")
		if err != nil {
			got = "error"
			if !strings.Contains(err.Error(), "CORS origin") {
				t.Errorf("%q: error %q does not say what is wrong", tc.in, err)
			}
		}
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCORS: preflights from allowed origins are answered without the API
// key, real requests carry Access-Control-Allow-Origin (401s too, so a page
// can read them), other origins get no CORS headers, and with no origins
// configured nothing changes.
func TestCORS(t *testing.T) {
	for _, tc := range []struct {
		name, origin       string
		allowed            []string
		method, path, auth string
		status             int
		allowOrigin        string // "": header absent
		preflight          bool   // expect Allow-Methods and Allow-Headers
	}{
		{"preflight", "https://app.example", []string{"https://app.example"}, "OPTIONS", "/v1/chat/completions", "", 204, "https://app.example", true},
		{"preflight any", "https://x.example", []string{"*"}, "OPTIONS", "/v1/models", "", 204, "*", true},
		{"preflight other origin", "https://evil.example", []string{"https://app.example"}, "OPTIONS", "/v1/chat/completions", "", 404, "", false},
		{"preflight off", "https://app.example", nil, "OPTIONS", "/v1/chat/completions", "", 404, "", false},
		{"get with key", "https://app.example", []string{"https://app.example"}, "GET", "/v1/models", "Bearer k", 200, "https://app.example", false},
		{"get without key", "https://app.example", []string{"https://app.example"}, "GET", "/v1/models", "", 401, "https://app.example", false},
		{"get other origin", "https://evil.example", []string{"https://app.example"}, "GET", "/v1/models", "Bearer k", 200, "", false},
		{"get off", "https://app.example", nil, "GET", "/v1/models", "Bearer k", 200, "", false},
		{"same origin", "", []string{"*"}, "GET", "/v1/models", "Bearer k", 200, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := New(fakeConfig(t), byteTokenizer(t), &fakeEngine{}, Options{ModelName: "m", APIKey: "k", CORSOrigins: tc.allowed})
			req, _ := http.NewRequest(tc.method, "/x", nil)
			req.URL.Path = tc.path
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if tc.method == "OPTIONS" {
				req.Header.Set("Access-Control-Request-Method", "POST")
				req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			srv.Handler().ServeHTTP(w, req)
			h := w.Header()
			if w.Code != tc.status || h.Get("Access-Control-Allow-Origin") != tc.allowOrigin {
				t.Fatalf("status %d, Allow-Origin %q; want %d, %q", w.Code, h.Get("Access-Control-Allow-Origin"), tc.status, tc.allowOrigin)
			}
			methods, headers := h.Get("Access-Control-Allow-Methods"), h.Get("Access-Control-Allow-Headers")
			if tc.preflight != (methods != "") {
				t.Fatalf("Allow-Methods %q", methods)
			}
			if tc.preflight && (!strings.Contains(methods, "POST") || !strings.Contains(headers, "Authorization") || !strings.Contains(headers, "Content-Type") || !strings.Contains(headers, "X-Api-Key")) {
				t.Fatalf("preflight allows methods %q headers %q", methods, headers)
			}
			if tc.allowOrigin != "" && tc.allowOrigin != "*" && !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
				t.Fatalf("an echoed origin needs Vary: Origin, got %q", h.Values("Vary"))
			}
		})
	}
}
