package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// ParseOrigins reads a comma-separated list of origins allowed to call the
// API from a browser (CORS; Options.CORSOrigins): each is "*" (any) or
// scheme://host[:port] with no path, such as "https://app.example.com".
func ParseOrigins(list string) ([]string, error) {
	var out []string
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		if err := checkOrigin(v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func checkOrigin(v string) error {
	if v == "*" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("CORS origin %q: want * or scheme://host[:port], such as https://app.example.com", v)
	}
	return nil
}

// Headers a browser may send and methods it may use, answered to CORS
// preflight requests.
const (
	corsMethods = "GET, POST, OPTIONS"
	corsHeaders = "Authorization, Content-Type, X-Api-Key, Anthropic-Version, Anthropic-Beta"
)

// cors wraps h so that browsers on the allowed origins may call it: their
// requests get Access-Control-Allow-Origin, and their preflight OPTIONS
// requests are answered here (204) without authentication. Requests from
// other origins are served without CORS headers, so browsers refuse them.
func cors(allowed []string, h http.Handler) http.Handler {
	if len(allowed) == 0 {
		return h
	}
	anyOrigin := slices.Contains(allowed, "*")
	set := map[string]bool{}
	for _, o := range allowed {
		set[strings.TrimSuffix(strings.ToLower(o), "/")] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !anyOrigin && !set[strings.ToLower(origin)] {
			if !anyOrigin {
				w.Header().Add("Vary", "Origin")
			}
			h.ServeHTTP(w, r)
			return
		}
		hd := w.Header()
		if anyOrigin {
			hd.Set("Access-Control-Allow-Origin", "*")
		} else {
			hd.Set("Access-Control-Allow-Origin", origin)
			hd.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			hd.Set("Access-Control-Allow-Methods", corsMethods)
			hd.Set("Access-Control-Allow-Headers", corsHeaders)
			hd.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}
