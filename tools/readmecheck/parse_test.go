package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseBlocks(t *testing.T) {
	tests := []struct {
		name string
		md   string
		want []block
	}{
		{"commands, comments and continuations", "text\n```sh\n./herd run \"x\" -n 2   # note\n# → output\n\n./herd a \\\n  --b c\n```\n",
			[]block{{Line: 2, Commands: []string{`./herd run "x" -n 2   # note`, "./herd a \\\n  --b c"}}}},
		{"skip marker, blank line between", "<!-- readme-check: skip: needs llama.cpp -->\n\n```sh\nllama-completion -m x\n```\n",
			[]block{{Line: 3, Commands: []string{"llama-completion -m x"}, Skip: "needs llama.cpp"}}},
		{"background marker", "<!-- readme-check: background: http://127.0.0.1:8080/health -->\n```sh\n./herd serve\ncurl -s http://127.0.0.1:8080/v1/models\n```\n",
			[]block{{Line: 2, Commands: []string{"./herd serve", "curl -s http://127.0.0.1:8080/v1/models"}, Background: "http://127.0.0.1:8080/health"}}},
		{"other languages and unmarked blocks", "```\nROMEO:\n```\n```go\n<!-- readme-check: skip: x -->\n```\n```sh\na\n```\n~~~sh\nb\n~~~\n",
			[]block{{Line: 7, Commands: []string{"a"}}, {Line: 10, Commands: []string{"b"}}}},
		{"marker applies to one block only", "<!-- readme-check: skip: r -->\n```sh\na\n```\n```sh\nb\n```\n",
			[]block{{Line: 2, Commands: []string{"a"}, Skip: "r"}, {Line: 5, Commands: []string{"b"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseBlocks(tt.md)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseBlocksErrors(t *testing.T) {
	// name → the Markdown and a part of the error it must give.
	tests := map[string]struct{ md, want string }{
		"unknown directive":              {"<!-- readme-check: skipp: x -->\n```sh\na\n```\n", `unknown directive "skipp"`},
		"skip without reason":            {"<!-- readme-check: skip -->\n```sh\na\n```\n", "needs a reason"},
		"background without URL":         {"<!-- readme-check: background: 8080 -->\n```sh\na\n```\n", "http:// URL"},
		"marker before text":             {"<!-- readme-check: skip: r -->\nsome text\n```sh\na\n```\n", "line 1 is not directly before"},
		"marker before another language": {"<!-- readme-check: skip: r -->\n```go\na\n```\n", "```go block"},
		"marker at the end":              {"```sh\na\n```\n<!-- readme-check: skip: r -->\n", "not followed by a ```sh block"},
		"two markers":                    {"<!-- readme-check: skip: r -->\n<!-- readme-check: skip: s -->\n```sh\na\n```\n", "follows the marker of line 1"},
		"unclosed block":                 {"```sh\na\n", "line 1 is not closed"},
		"continuation into the fence":    {"```sh\na \\\n```\n", "inside a continued command"},
		"marker on two lines":            {"<!-- readme-check: skip: r\n-->\n```sh\na\n```\n", "on one line"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := parseBlocks(tt.md)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
