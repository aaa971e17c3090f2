package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/evals"
)

// TestDocument: n distinct "key: value" lines, then 1..q of those lines
// again, none with an excluded key.
func TestDocument(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	exclude := map[string]bool{}
	for tr := range 50 {
		exclude[evals.KVNeedleKey(1, 0.5, tr)] = true
	}
	for _, tc := range []struct{ n, q int }{{1, 1}, {5, 3}, {12, 6}, {3, 10}} {
		for range 20 {
			doc := document(r, forms["kv"], exclude, tc.n, tc.q, 0)
			all := strings.Split(doc, "\n")
			if len(all) <= tc.n {
				t.Fatalf("n %d: %d lines in %q", tc.n, len(all), doc)
			}
			lines, qs := all[:tc.n], all[tc.n:]
			have := map[string]bool{}
			for _, l := range lines {
				k, _, _ := strings.Cut(l, ": ")
				if exclude[k] || have[l] {
					t.Errorf("line %q excluded or repeated", l)
				}
				have[l] = true
			}
			if len(qs) < 1 || len(qs) > min(tc.n, tc.q) {
				t.Errorf("n %d q %d: %d queries", tc.n, tc.q, len(qs))
			}
			for _, q := range qs {
				if !have[q] {
					t.Errorf("query %q is not a line of the document", q)
				}
			}
		}
	}
}

// TestRun: the text's passages keep their order among the retrieval
// documents; a text containing the separator and the eval's own seed are
// refused.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "text.txt")
	var paras []string
	for i := range 30 {
		paras = append(paras, strings.Repeat("word ", 5+i%7)+"end"+string(rune('A'+i%26)))
	}
	if err := os.WriteFile(text, []byte(strings.Join(paras, "\n\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "mix.txt")
	if err := run(options{text: text, out: out, sep: "\n~\n", depths: "0,1", form: "kv", docs: 40, minLines: 1, maxLines: 4, maxQueries: 2, draws: 0, fill: "", keys: 0, passage: 60, trials: 5, seed: 7, evalSeed: 1, copy: noCopy}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	docs := 0
	for _, d := range strings.Split(string(b), "\n~\n") {
		if strings.HasPrefix(d, "word") {
			kept = append(kept, d)
		} else {
			docs++
		}
	}
	if docs != 40 || strings.Join(kept, "\n\n") != strings.Join(paras, "\n\n") {
		t.Errorf("%d retrieval documents (want 40); passages in order: %v", docs, strings.Join(kept, "\n\n") == strings.Join(paras, "\n\n"))
	}
	for _, bad := range []struct {
		sep        string
		seed, eval uint64
	}{{"word", 7, 1}, {"\n~\n", 1, 1}} {
		if err := run(options{text: text, out: out, sep: bad.sep, depths: "0", form: "kv", docs: 1, minLines: 1, maxLines: 1, maxQueries: 1, draws: 0, fill: "", keys: 0, passage: 60, trials: 1, seed: bad.seed, evalSeed: bad.eval, copy: noCopy}); err == nil {
			t.Errorf("sep %q seed %d eval seed %d: no error", bad.sep, bad.seed, bad.eval)
		}
	}
}

// TestWordsDocument: -form words documents are "key value" lines of
// evals.Words with distinct keys, none an eval needle's pair, then some of
// those lines again.
func TestWordsDocument(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	exclude := map[string]bool{}
	for tr := range 100 {
		k, v := evals.WordsNeedle(1, 0.5, tr)
		exclude[k+" "+v] = true
	}
	words := map[string]bool{}
	for _, w := range evals.Words {
		words[w] = true
	}
	for range 200 {
		doc := document(r, forms["words"], exclude, 6, 3, 0)
		all := strings.Split(doc, "\n")
		keys := map[string]bool{}
		have := map[string]bool{}
		for i, l := range all {
			f := strings.Fields(l)
			if len(f) != 2 || l != f[0]+" "+f[1] || !words[f[0]] || !words[f[1]] {
				t.Fatalf("line %q is not two words of evals.Words", l)
			}
			if i < 6 {
				if keys[f[0]] || exclude[l] {
					t.Errorf("line %q: key repeated or an eval needle", l)
				}
				keys[f[0]], have[l] = true, true
			} else if !have[l] {
				t.Errorf("query %q is not a line of the document", l)
			}
		}
	}
}

// TestRunArgs: an unknown form and a words document longer than the list
// of keys are refused, naming the value.
func TestRunArgs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "mix.txt")
	for _, tc := range []struct {
		form     string
		maxLines int
		want     string
	}{{"digits", 4, `-form "digits"`}, {"words", 65, "-max-lines 65"}} {
		err := run(options{text: "", out: out, sep: "\n~\n", depths: "0", form: tc.form, docs: 3, minLines: 1, maxLines: tc.maxLines, maxQueries: 2, draws: 0, fill: "", keys: 0, passage: 60, trials: 1, seed: 7, evalSeed: 1, copy: noCopy})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("form %s max-lines %d: error %v, want %q", tc.form, tc.maxLines, err, tc.want)
		}
	}
	if err := run(options{text: "", out: out, sep: "\n~\n", depths: "0", form: "words", docs: 3, minLines: 1, maxLines: 64, maxQueries: 2, draws: 0, fill: "", keys: 0, passage: 60, trials: 1, seed: 7, evalSeed: 1, copy: noCopy}); err != nil {
		t.Errorf("words, 64 lines: %v", err)
	}
}

// TestFill: with -fill every document has exactly F lines of one of the
// listed counts: n distinct lines (-min-lines ≤ n ≤ min(-max-lines, 3F/4))
// and then F−n of them again; with -query-draws exactly that many queries.
func TestFill(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		fill          string
		draws         int
		minN, maxN    int
		wantF         map[int]bool
		wantQ, lo, hi int // wantQ > 0: queries per document; lo, hi: bounds of n
	}{
		{fill: "8,20", minN: 2, maxN: 12, wantF: map[int]bool{8: true, 20: true}, lo: 2, hi: 12},
		{fill: "22", minN: 6, maxN: 16, wantF: map[int]bool{22: true}, lo: 6, hi: 16},
		{draws: 7, minN: 3, maxN: 5, wantQ: 7, lo: 3, hi: 5},
	} {
		out := filepath.Join(dir, "f.txt")
		if err := run(options{text: "", out: out, sep: "\n~\n", depths: "0", form: "words", docs: 300, minLines: tc.minN, maxLines: tc.maxN, maxQueries: 4, draws: tc.draws, fill: tc.fill, keys: 0, passage: 60, trials: 5, seed: 7, evalSeed: 1, copy: noCopy}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		seenF := map[int]bool{}
		for _, doc := range strings.Split(string(b), "\n~\n") {
			lines := strings.Split(doc, "\n")
			keys, have := map[string]bool{}, map[string]bool{}
			n := 0
			for n < len(lines) && !keys[strings.Fields(lines[n])[0]] {
				keys[strings.Fields(lines[n])[0]], have[lines[n]] = true, true
				n++
			}
			for _, q := range lines[n:] {
				if !have[q] {
					t.Fatalf("fill %q: query %q is not a line of its document", tc.fill, q)
				}
			}
			F := len(lines)
			seenF[F] = true
			hi := tc.hi
			if tc.wantF != nil {
				if !tc.wantF[F] {
					t.Fatalf("fill %q: a document of %d lines", tc.fill, F)
				}
				hi = min(hi, 3*F/4)
			} else if F-n != tc.wantQ {
				t.Fatalf("draws %d: %d queries", tc.draws, F-n)
			}
			// The first query repeats a key of the n distinct lines, so
			// the loop above stops exactly at n.
			if n < tc.lo || n > hi {
				t.Fatalf("fill %q draws %d: %d distinct lines, want %d..%d", tc.fill, tc.draws, n, tc.lo, hi)
			}
		}
		for F := range tc.wantF {
			if !seenF[F] {
				t.Errorf("fill %q: no document of %d lines", tc.fill, F)
			}
		}
	}
	if err := run(options{text: "", out: filepath.Join(dir, "x.txt"), sep: "\n~\n", depths: "0", form: "words", docs: 3, minLines: 6, maxLines: 16, maxQueries: 4, draws: 0, fill: "7", keys: 0, passage: 60, trials: 1, seed: 7, evalSeed: 1, copy: noCopy}); err == nil {
		t.Error("-fill 7 with -min-lines 6 (above 3F/4) accepted")
	}
}

// TestKeys: -keys N draws every key from the first N words (values from
// all), and refuses documents with more lines than keys.
func TestKeys(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "k.txt")
	if err := run(options{text: "", out: out, sep: "\n~\n", depths: "0", form: "words", docs: 200, minLines: 3, maxLines: 8, maxQueries: 4, draws: 0, fill: "22", keys: 8, passage: 60, trials: 5, seed: 7, evalSeed: 1, copy: noCopy}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]bool{}
	for _, w := range evals.Words[:8] {
		first[w] = true
	}
	values := map[string]bool{}
	for _, doc := range strings.Split(string(b), "\n~\n") {
		for _, l := range strings.Split(doc, "\n") {
			k, v, _ := strings.Cut(l, " ")
			if !first[k] {
				t.Fatalf("line %q: key outside the first 8 words", l)
			}
			values[v] = true
		}
	}
	if len(values) <= 8 {
		t.Errorf("only %d distinct values: values should come from all words", len(values))
	}
	if err := run(options{text: "", out: out, sep: "\n~\n", depths: "0", form: "words", docs: 3, minLines: 3, maxLines: 9, maxQueries: 4, draws: 0, fill: "", keys: 8, passage: 60, trials: 5, seed: 7, evalSeed: 1, copy: noCopy}); err == nil {
		t.Error("-keys 8 with -max-lines 9 accepted")
	}
}
