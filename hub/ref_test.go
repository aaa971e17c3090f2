package hub

import (
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Ref
		err  string
	}{
		{"meta-llama/Llama-4-Scout-17B-16E-Instruct", Ref{Repo: "meta-llama/Llama-4-Scout-17B-16E-Instruct"}, ""},
		{"org/name:model-Q4_K_M.gguf", Ref{Repo: "org/name", File: "model-Q4_K_M.gguf"}, ""},
		{"org/name:sub/dir/file.bin", Ref{Repo: "org/name", File: "sub/dir/file.bin"}, ""},
		{"org/my_model.v2", Ref{Repo: "org/my_model.v2"}, ""},
		{"name", Ref{}, "want org/name"},
		{"a/b/c", Ref{}, "not allowed"},
		{"org/-name", Ref{}, "not a valid name part"},
		{"org/na--me", Ref{}, "not a valid name part"},
		{"org/..", Ref{}, "not a valid name part"},
		{"../etc", Ref{}, "not a valid name part"},
		{"org/name:", Ref{}, "empty file name"},
		{"org/name:../x", Ref{}, "not a clean relative path"},
		{"org/name:/abs", Ref{}, "not a clean relative path"},
		{"org/name:a\\b", Ref{}, "not allowed"},
		{"org/na me", Ref{}, "not allowed"},
	} {
		got, err := ParseRef(tc.in)
		if tc.err == "" {
			if err != nil || got != tc.want {
				t.Errorf("ParseRef(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			} else if got.String() != tc.in {
				t.Errorf("%+v.String() = %q, want %q", got, got.String(), tc.in)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseRef(%q) err = %v, want one containing %q", tc.in, err, tc.err)
		}
	}
}

func TestSelectSplitGGUF(t *testing.T) {
	info := &RepoInfo{SHA: strings.Repeat("a", 40), Siblings: []Sibling{
		{Name: "m-Q4_K_M-00001-of-00002.gguf"}, {Name: "m-Q4_K_M-00002-of-00002.gguf"}, {Name: "m-Q8_0.gguf"}, {Name: "mmproj-F16.gguf"},
	}}
	sel, err := Select(info, "o/m", "")
	if err != nil || sel.Single != "m-Q8_0.gguf" {
		t.Errorf("Select = %+v, %v; want the single-file Q8_0", sel, err)
	}
}
