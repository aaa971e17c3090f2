package main

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/herd-llm/herd/evals"
)

// TestTwinDocs: the two texts hold the same documents but for the query
// values; a document's keys and values are distinct; a right query repeats
// its line, a wrong one carries the value of another line of its document.
func TestTwinDocs(t *testing.T) {
	for _, s := range []twinSpec{{docs: 50, lines: 8, queries: 1}, {docs: 30, lines: 5, queries: 5}, {docs: 20, lines: 2, queries: 2}, {docs: 20, lines: 6, queries: 3, keys: 8}} {
		right, wrong := twinDocs(rand.New(rand.NewPCG(3, 4)), s)
		ra, wa := strings.Split(strings.TrimSuffix(right, "\n"), "\n"), strings.Split(strings.TrimSuffix(wrong, "\n"), "\n")
		per := s.lines + s.queries
		if len(ra) != s.docs*per || len(wa) != len(ra) {
			t.Fatalf("%+v: %d and %d lines, want %d", s, len(ra), len(wa), s.docs*per)
		}
		for d := range s.docs {
			val := map[string]string{}
			vals := map[string]bool{}
			for _, l := range ra[d*per : d*per+s.lines] {
				k, v, _ := strings.Cut(l, " ")
				if val[k] != "" || vals[v] || (s.keys > 0 && !slices.Contains(evals.Words[:s.keys], k)) {
					t.Fatalf("%+v: key or value of %q repeated", s, l)
				}
				val[k], vals[v] = v, true
			}
			asked := map[string]bool{}
			for i := d*per + s.lines; i < (d+1)*per; i++ {
				k, v, _ := strings.Cut(ra[i], " ")
				kw, vw, _ := strings.Cut(wa[i], " ")
				if val[k] != v || kw != k || asked[k] {
					t.Fatalf("%+v: right query %q, wrong %q (line value %q)", s, ra[i], wa[i], val[k])
				}
				if vw == v || !vals[vw] {
					t.Fatalf("%+v: wrong query %q is the right value or not a value of the document", s, wa[i])
				}
				asked[k] = true
			}
			for i := d * per; i < d*per+s.lines; i++ {
				if ra[i] != wa[i] {
					t.Fatalf("%+v: line %d differs: %q %q", s, i, ra[i], wa[i])
				}
			}
		}
	}
	for _, bad := range []twinSpec{{docs: 1, lines: 1, queries: 1, wrong: "x"}, {docs: 1, lines: 4, queries: 5, wrong: "x"}, {docs: 1, lines: 4, queries: 1}, {docs: 1, lines: 9, queries: 1, keys: 8, wrong: "x"}} {
		if bad.validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
