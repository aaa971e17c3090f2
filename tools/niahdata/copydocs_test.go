package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/herd-llm/herd/evals"
)

// noCopy is the flags' default: no copy documents.
var noCopy = copySpec{min: 6, max: 24, items: "words"}

// TestCopyDocument: n items of the kind asked, a newline, the same again.
func TestCopyDocument(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	exclude := map[string]bool{}
	for tr := range 100 {
		k, v := evals.WordsNeedle(1, 0.5, tr)
		exclude[k+" "+v] = true
	}
	for _, tc := range []struct {
		items string
		n     int
	}{{"words", 1}, {"words", 17}, {"letters", 24}, {"lines", 1}, {"lines", 64}} {
		doc := copyDocument(r, tc.items, tc.n, exclude)
		all := strings.Split(doc, "\n")
		half := len(all) / 2
		a, b := strings.Join(all[:half], "\n"), strings.Join(all[half:], "\n")
		if len(all)%2 != 0 || a != b {
			t.Fatalf("%s %d: %q is not a sequence, a newline and the same sequence", tc.items, tc.n, doc)
		}
		var got []string
		switch tc.items {
		case "letters":
			got = strings.Split(a, "")
		case "lines":
			got = all[:half]
		default:
			got = strings.Split(a, " ")
		}
		keys := map[string]bool{}
		if len(got) != tc.n {
			t.Errorf("%s %d: %d items in %q", tc.items, tc.n, len(got), a)
		}
		for _, it := range got {
			switch tc.items {
			case "letters":
				if len(it) != 1 || it[0] < 'a' || it[0] > 'z' {
					t.Errorf("letters: item %q", it)
				}
			case "lines":
				k, v, _ := strings.Cut(it, " ")
				if !slices.Contains(evals.Words[:], k) || !slices.Contains(evals.Words[:], v) || keys[k] || exclude[it] {
					t.Errorf("lines: line %q (a key seen before, an excluded needle or not two words)", it)
				}
				keys[k] = true
			default:
				if !slices.Contains(evals.Words[:], it) {
					t.Errorf("words: item %q", it)
				}
			}
		}
	}
}

// TestRunCopyDocs: -copy-docs adds exactly that many copy documents and
// leaves the others as a run without them writes them, in order; bad copy
// flags are refused.
func TestRunCopyDocs(t *testing.T) {
	dir := t.TempDir()
	plain, mixed := filepath.Join(dir, "plain.txt"), filepath.Join(dir, "mixed.txt")
	if err := run(options{text: "", out: plain, sep: "\n~\n", depths: "0,1", form: "words", docs: 30, minLines: 2, maxLines: 6, maxQueries: 3, draws: 0, fill: "", keys: 0, passage: 60, trials: 5, seed: 7, evalSeed: 1, copy: noCopy}); err != nil {
		t.Fatal(err)
	}
	cp := noCopy
	cp.docs = 25
	if err := run(options{text: "", out: mixed, sep: "\n~\n", depths: "0,1", form: "words", docs: 30, minLines: 2, maxLines: 6, maxQueries: 3, draws: 0, fill: "", keys: 0, passage: 60, trials: 5, seed: 7, evalSeed: 1, copy: cp}); err != nil {
		t.Fatal(err)
	}
	pb, _ := os.ReadFile(plain)
	mb, _ := os.ReadFile(mixed)
	var rest []string
	copies := 0
	for _, d := range strings.Split(string(mb), "\n~\n") {
		if a, b, _ := strings.Cut(d, "\n"); a == b { // words copies: one line, twice
			copies++
		} else {
			rest = append(rest, d)
		}
	}
	if copies != 25 || strings.Join(rest, "\n~\n") != string(pb) {
		t.Errorf("%d copy documents (want 25); the others as without them: %v", copies, strings.Join(rest, "\n~\n") == string(pb))
	}
	for _, bad := range []copySpec{{docs: -1, min: 1, max: 1, items: "words"}, {min: 0, max: 3, items: "words"}, {min: 4, max: 3, items: "words"}, {min: 1, max: 3, items: "digits"}, {min: 1, max: 65, items: "lines"}} {
		if err := run(options{text: "", out: filepath.Join(dir, "x.txt"), sep: "\n~\n", depths: "0", form: "words", docs: 1, minLines: 1, maxLines: 1, maxQueries: 1, draws: 0, fill: "", keys: 0, passage: 60, trials: 1, seed: 7, evalSeed: 1, copy: bad}); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
