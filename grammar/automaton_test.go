package grammar

import (
	"encoding/json"
	"strings"
	"testing"
)

// match reports whether g accepts all of s and s is a complete value.
func match(g *Grammar, s string) bool {
	m := g.NewMatcher()
	return m.FeedString(s) && m.Complete()
}

func TestJSONValueCorpus(t *testing.T) {
	valid := []string{
		`{}`, `[]`, `""`, `0`, `-0`, `1`, `-1`, `1e5`, `1E5`, `1.5E-3`, `1.5e+3`, `-0.0`, `123.456`,
		`true`, `false`, `null`, `"a"`, `"\"\\\/\b\f\n\r\t"`, `"\u0041\u00e9\uFFFF"`, `"\u0000"`,
		`"héllo 世界 🎉"`, `{"a":1}`, `{"a":[1,2,{"b":null}],"c":"d"}`, `[[[[[[]]]]]]`,
		`{ "a" : 1 , "b" : [ 1 , 2 ] }`, "{\n  \"a\": {\n    \"b\": [\n      1\n    ]\n  }\n}",
		`[1,-2,3.5,-4e-10,true,false,null,"x",{},[]]`, `{"":""}`, `{"a":{"a":{"a":{}}}}`,
		`"\ue000"`, `12345678901234567890`, `"` + "\x7f" + `"`, `99999999999999999999.99999999999999999999e99`, `-1E-99`,
	}
	invalid := []string{
		``, ` {}`, `{} `, `{`, `[`, `"`, `01`, `1.`, `.5`, `-`, `+1`, `1e`, `1e+`, `0x10`, `--1`, `1.5.5`,
		`[1,]`, `{"a":1,}`, `[,1]`, `{,}`, `{"a"}`, `{"a":}`, `{a:1}`, `{'a':1}`, `['a']`,
		`tru`, `True`, `nul`, `nulll`, `truefalse`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\nb\"", "\"\t\"",
		`"\ud800"`, `"\uDC00"`, `"` + "\xff" + `"`, `"` + "\xc0\x80" + `"`, `"` + "\xed\xa0\x80" + `"`,
		`"` + "\xe2\x82" + `"`, `[1 2]`, `{"a":1 "b":2}`, `{"a" 1}`, `[}`, `{]`, `{}}`, `[]]`,
		`123456789012345678901`, `1e123`, `1e999`, `1.000000000000000000001`, `"abc`, `[1,2`,
		"{" + strings.Repeat(" ", 2) + "}", "{\n" + strings.Repeat(" ", MaxIndent+1) + "}", "{\t}", "{\r\n}", "{ \n}", "[1\n\n]",
	}
	g := JSONValue()
	for _, s := range valid {
		if !match(g, s) {
			t.Errorf("rejected valid %q", s)
		}
		if !json.Valid([]byte(s)) {
			t.Errorf("test corpus: %q is not valid JSON", s)
		}
	}
	for _, s := range invalid {
		if match(g, s) {
			t.Errorf("accepted invalid %q", s)
		}
	}
	if !match(g, "{\n"+strings.Repeat(" \t", MaxIndent/2)+"}") {
		t.Errorf("rejected a newline and %d indent bytes", MaxIndent)
	}
}

func TestJSONObjectOnlyObjects(t *testing.T) {
	g := JSONObject()
	for _, s := range []string{`{}`, `{"a":[1,"x",null]}`, `{"a":{"b":{}}}`} {
		if !match(g, s) {
			t.Errorf("rejected %q", s)
		}
	}
	for _, s := range []string{`[]`, `1`, `"a"`, `null`, `{"a":1}x`} {
		if match(g, s) {
			t.Errorf("accepted %q", s)
		}
	}
}

func TestMatcherPrefixAndComplete(t *testing.T) {
	g := JSONValue()
	m := g.NewMatcher()
	steps := []struct {
		b        byte
		ok, done bool
	}{{'1', true, true}, {'2', true, true}, {'.', true, false}, {'x', false, false}, {'5', true, true}, {' ', false, true}}
	for i, s := range steps {
		if got := m.Feed(s.b); got != s.ok {
			t.Fatalf("step %d: Feed(%q) = %v", i, s.b, got)
		}
		if got := m.Complete(); got != s.done {
			t.Fatalf("step %d: Complete = %v", i, got)
		}
	}
}
