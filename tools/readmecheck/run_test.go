package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRunnerBlock(t *testing.T) {
	busy := httptest.NewServer(http.NotFoundHandler())
	defer busy.Close()
	tests := []struct {
		name    string
		b       block
		wantErr []string // parts of the error; none: success
	}{
		{"commands run in order in the clone", block{Commands: []string{"echo hi > f", "grep -q hi f", "printf 'a\\nb\\n' | \\\n  wc -l"}}, nil},
		{"a failing command: its text and output", block{Commands: []string{"true", "echo out; echo err >&2; exit 3"}},
			[]string{"exit status 3", "$ echo out; echo err >&2; exit 3", "out\nerr"}},
		{"pipefail", block{Commands: []string{"false | cat"}}, []string{"exit status 1", "$ false | cat"}},
		{"a command past the timeout", block{Commands: []string{"echo started; sleep 30"}}, []string{"timed out", "started"}},
		{"a server that exits before it is ready", block{Commands: []string{"echo bye; exit 2", "true"}, Background: "http://127.0.0.1:1/health"},
			[]string{"exited before http://127.0.0.1:1/health answered", "bye"}},
		{"a server port already taken", block{Commands: []string{"sleep 30", "true"}, Background: busy.URL + "/health"},
			[]string{"already listens on " + strings.TrimPrefix(busy.URL, "http://")}},
		{"a server block without a client command", block{Commands: []string{"sleep 30"}, Background: busy.URL}, []string{"at least one command"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &runner{dir: t.TempDir(), env: cleanEnv(), timeout: 2 * time.Second}
			t0 := time.Now()
			err := r.block(tt.b)
			if el := time.Since(t0); el > 10*time.Second {
				t.Errorf("took %v, the timeout is %v", el, r.timeout)
			}
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
