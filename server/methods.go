package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/herd-llm/herd/server/internal/core"
)

// probeMethods are the methods notFound asks the mux about.
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// notFound answers a request no route took: 405 with an Allow header when
// the path exists under other methods, else 404. It asks mux which routes
// each method would reach, so endpoints added later are covered unchanged.
func notFound(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	var allow []string
	if r.Method == http.MethodOptions {
		core.WriteError(w, core.ErrNotFound) // CORS preflights are cors's to answer
		return
	}
	for _, m := range probeMethods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		core.WriteError(w, core.ErrNotFound)
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	core.WriteError(w, &core.APIError{Status: http.StatusMethodNotAllowed, Type: "invalid_request_error", Code: core.Strp("method_not_allowed"),
		Message: fmt.Sprintf("method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", "))})
}
