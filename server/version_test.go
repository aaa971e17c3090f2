package server

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/version"
)

// TestVersion: /v1/models and /v1/models/{id} name the herd build, and
// /metrics exports it as herd_build_info{version="..."} 1.
func TestVersion(t *testing.T) {
	srv := New(fakeConfig(t), byteTokenizer(t), &fakeEngine{}, Options{ModelName: "m"})
	get := func(path string) []byte {
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		b, _ := io.ReadAll(w.Result().Body)
		if w.Code != 200 {
			t.Fatalf("GET %s: %d %s", path, w.Code, b)
		}
		return b
	}
	v := version.Version()
	if v == "" {
		t.Fatal("empty version")
	}
	var list struct {
		Data []struct {
			ID      string `json:"id"`
			Version string `json:"herd_version"`
		} `json:"data"`
	}
	if err := json.Unmarshal(get("/v1/models"), &list); err != nil || len(list.Data) != 1 || list.Data[0].Version != v {
		t.Fatalf("models %+v (%v), want herd_version %q", list, err, v)
	}
	var one struct {
		Version string `json:"herd_version"`
	}
	if err := json.Unmarshal(get("/v1/models/m"), &one); err != nil || one.Version != v {
		t.Fatalf("model %+v (%v), want herd_version %q", one, err, v)
	}
	metrics := string(get("/metrics"))
	for _, want := range []string{"# TYPE herd_build_info gauge\n", "\nherd_build_info{version=\"" + v + "\"} 1\n"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
