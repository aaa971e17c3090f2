// Command niahdata writes a training text that mixes a text's passages
// with synthetic key-value retrieval documents of the family that
// `herd eval niah --form kv` (or with -form words, --form words) asks
// (docs/distillation.md, "Retrieval data in the mix"). Each retrieval
// document is lines "key: value" (six random lower-case letters, five
// digits; -form words: "key value", two words of evals.Words), then some of
// its lines again: a model that learns to predict the repeated values has
// learnt the eval's task. The documents are drawn from their own seed, and
// no key of theirs (-form words: no key-value pair) is a needle of the
// eval's prompts for -eval-seed, -depths and -trials, so training never
// sees an eval instance.
//
//	go run ./tools/niahdata -text testdata/tinyshakespeare.txt -docs 5000 -o runs/ctx/mix.txt
//
// -twin-docs N writes instead two probe texts for herd eval ppl that tell
// retrieval by key from a bag of values (twin.go).
//
// -copy-docs N mixes in N copy documents (a random sequence of -copy-items,
// a newline, the same sequence again), on which an induction head forms
// much sooner than on the retrieval documents alone (docs/distillation.md,
// "Why nothing retrieved").
//
// Documents are separated by -sep (train with --doc-sep and that
// separator); the text is cut into passages of about -passage bytes at
// blank lines, and the retrieval documents are put in at random places among them.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/evals"
)

func main() {
	text := flag.String("text", "", "text file whose passages make the rest of the mix")
	form := flag.String("form", "kv", `the eval form whose task the documents teach: "kv" or "words"`)
	docs := flag.Int("docs", 5000, "retrieval documents")
	minLines := flag.Int("min-lines", 1, "fewest key-value lines in a document")
	maxLines := flag.Int("max-lines", 24, "most key-value lines in a document")
	maxQueries := flag.Int("queries", 4, "most lines repeated after the document's lines (at least 1)")
	fill := flag.String("fill", "", "comma-separated line counts F: if set, every document picks one of them uniformly (repeat an entry to weight it) and has exactly F lines in all: n of -min-lines..min(-max-lines, 3F/4) lines, then F−n of them again drawn with replacement as queries (with BPE every line is 3 tokens, so with BOS a document is 3F tokens: train with --long-frac 1 and --seq 3F−2 or less to make each row one whole document)")
	draws := flag.Int("query-draws", 0, "if > 0: every document ends with exactly this many of its lines again, drawn with replacement (instead of 1..-queries distinct ones), so that most of its tokens are queries")
	passage := flag.Int("passage", 2000, "bytes per passage of -text (cut at blank lines)")
	seed := flag.Uint64("seed", 20261206, "seed of the retrieval documents and their order (use one that is not the eval's)")
	evalSeed := flag.Uint64("eval-seed", 1, "the seed of the herd eval niah runs whose needle keys are excluded")
	depths := flag.String("depths", "0,0.25,0.5,0.75,1", "the eval's depths")
	trials := flag.Int("trials", 100, "the eval's trials per depth (keys of this many trials are excluded)")
	sep := flag.String("sep", "\n~\n", "document separator written between documents")
	out := flag.String("o", "", "output file")
	var cp copySpec
	flag.IntVar(&cp.docs, "copy-docs", 0, "copy documents to mix in: a random sequence, a newline, the same sequence again (plain induction on every token of the second half)")
	flag.IntVar(&cp.min, "copy-min", 6, "fewest items in a copy document's sequence")
	flag.IntVar(&cp.max, "copy-max", 24, "most items in a copy document's sequence")
	flag.StringVar(&cp.items, "copy-items", "words", `what a copy sequence is made of: "words" (evals.Words, joined by spaces), "letters" (a-z, joined by nothing) or "lines" (-form words lines "key value", distinct keys, joined by newlines)`)
	keys := flag.Int("keys", 0, "-form words: if > 0, draw the keys from the first this many words of evals.Words only (a smaller set of keys to bind; values still from all)")
	var tw twinSpec
	flag.IntVar(&tw.docs, "twin-docs", 0, "if > 0: write only two probe texts of this many documents, -o (queries repeat their lines) and -wrong (queries carry another line's value), for herd eval ppl (see twin.go)")
	flag.IntVar(&tw.lines, "twin-lines", 8, "-twin-docs: lines of a document")
	flag.IntVar(&tw.queries, "twin-queries", 1, "-twin-docs: queries of a document (distinct lines)")
	flag.StringVar(&tw.wrong, "wrong", "", "-twin-docs: the text whose queries carry another line's value")
	flag.Parse()
	if tw.docs > 0 {
		tw.keys = *keys
		err := tw.validate()
		if err == nil && *out == "" {
			err = fmt.Errorf("-o is required")
		}
		if err == nil {
			err = writeTwins(*out, *seed, tw)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "niahdata:", err)
			os.Exit(1)
		}
		return
	}
	o := options{text: *text, out: *out, sep: *sep, depths: *depths, form: *form, docs: *docs, minLines: *minLines, maxLines: *maxLines,
		maxQueries: *maxQueries, draws: *draws, fill: *fill, keys: *keys, passage: *passage, trials: *trials, seed: *seed, evalSeed: *evalSeed, copy: cp}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "niahdata:", err)
		os.Exit(1)
	}
}

// options are the command's flags (see main).
type options struct {
	text, out, sep, depths, form                string
	docs, minLines, maxLines, maxQueries, draws int
	fill                                        string
	keys, passage, trials                       int
	seed, evalSeed                              uint64
	copy                                        copySpec
}

func run(o options) error {
	if err := o.copy.validate(); err != nil {
		return err
	}
	switch {
	case o.out == "":
		return fmt.Errorf("-o is required")
	case o.minLines < 1 || o.maxLines < o.minLines:
		return fmt.Errorf("lines %d..%d: want 1 ≤ -min-lines ≤ -max-lines", o.minLines, o.maxLines)
	case o.maxQueries < 1:
		return fmt.Errorf("-queries %d must be at least 1", o.maxQueries)
	case o.draws < 0:
		return fmt.Errorf("-query-draws %d must not be negative", o.draws)
	case o.fill != "" && o.draws != 0:
		return fmt.Errorf("-fill and -query-draws exclude each other")
	case o.seed == o.evalSeed:
		return fmt.Errorf("-seed %d is the eval's seed; pick another", o.seed)
	}
	var fills []int
	if o.fill != "" {
		for _, f := range strings.Split(o.fill, ",") {
			F, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || o.minLines > 3*F/4 {
				return fmt.Errorf("-fill %q: want line counts F with -min-lines %d ≤ 3F/4", f, o.minLines)
			}
			fills = append(fills, F)
		}
	}
	lf, ok := forms[o.form]
	if !ok {
		return fmt.Errorf(`-form %q: want "kv" or "words"`, o.form)
	}
	if o.keys > 0 {
		if o.form != "words" || o.keys > len(evals.Words) || o.maxLines > o.keys {
			return fmt.Errorf("-keys %d: only with -form words, at most %d, and at least -max-lines %d", o.keys, len(evals.Words), o.maxLines)
		}
		lf.pair = func(r *rand.Rand) (string, string) {
			_, v := evals.WordPair(r)
			return evals.Words[r.IntN(o.keys)], v
		}
	}
	if o.form == "words" && o.maxLines > len(evals.Words) {
		return fmt.Errorf("-max-lines %d: a words document has at most %d lines (one per key)", o.maxLines, len(evals.Words))
	}
	exclude := map[string]bool{}
	for _, f := range strings.Split(o.depths, ",") {
		d, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return fmt.Errorf("depth %q: %w", f, err)
		}
		for tr := 0; tr < o.trials; tr++ {
			exclude[lf.needle(o.evalSeed, d, tr)] = true
		}
	}
	var text []string
	if o.text != "" {
		b, err := os.ReadFile(o.text)
		if err != nil {
			return fmt.Errorf("text: %w", err)
		}
		if strings.Contains(string(b), o.sep) {
			return fmt.Errorf("text %s contains the separator %q", o.text, o.sep)
		}
		text = passages(string(b), o.passage)
	}
	// The retrieval documents go in at random places among the passages,
	// which keep their order (so the text's tail stays last, held out).
	r := rand.New(rand.NewPCG(o.seed, 0x6e696168))
	isDoc := make([]bool, len(text)+o.docs)
	for i := range o.docs {
		isDoc[i] = true
	}
	r.Shuffle(len(isDoc), func(i, j int) { isDoc[i], isDoc[j] = isDoc[j], isDoc[i] })
	all := make([]string, 0, len(isDoc))
	for _, d := range isDoc {
		if d {
			hi := o.maxLines
			F := 0
			if fills != nil {
				F = fills[0]
				if len(fills) > 1 {
					F = fills[r.IntN(len(fills))]
				}
				hi = min(o.maxLines, 3*F/4)
			}
			n := o.minLines + r.IntN(hi-o.minLines+1)
			if F > 0 {
				o.draws = F - n
			}
			all = append(all, document(r, lf, exclude, n, o.maxQueries, o.draws))
		} else {
			all, text = append(all, text[0]), text[1:]
		}
	}
	if o.copy.docs > 0 {
		// Their own stream, so that -copy-docs 0 writes what it always did.
		cr := rand.New(rand.NewPCG(o.seed, 0x636f7079))
		extra := make([]string, o.copy.docs)
		for i := range extra {
			extra[i] = copyDocument(cr, o.copy.items, o.copy.min+cr.IntN(o.copy.max-o.copy.min+1), exclude)
		}
		all = mixIn(cr, all, extra)
	}
	return os.WriteFile(o.out, []byte(strings.Join(all, o.sep)), 0o644)
}

// lineForm is one eval form's retrieval lines.
type lineForm struct {
	pair   func(r *rand.Rand) (key, value string)
	sep    string                                             // between key and value
	needle func(seed uint64, depth float64, trial int) string // what exclude holds of an eval needle
	id     func(key, value string) string                     // what exclude holds of a line
}

// forms are the -form values.
var forms = map[string]lineForm{
	"kv": {evals.KVPair, ": ", evals.KVNeedleKey, func(k, _ string) string { return k }},
	"words": {evals.WordPair, " ", func(seed uint64, depth float64, trial int) string {
		k, v := evals.WordsNeedle(seed, depth, trial)
		return k + " " + v
	}, func(k, v string) string { return k + " " + v }},
}

// document is n "key: value" lines (lf's) with distinct keys, none
// excluded, then 1..maxQueries of the lines again in random order (as the
// eval's prompt ends with the needle's key on a line of its own); or, with
// draws > 0, exactly draws of its lines again, each drawn uniformly with
// replacement.
func document(r *rand.Rand, lf lineForm, exclude map[string]bool, n, maxQueries, draws int) string {
	keys, values := make([]string, 0, n), make([]string, 0, n)
	seen := map[string]bool{}
	for len(keys) < n {
		k, v := lf.pair(r)
		if exclude[lf.id(k, v)] || seen[k] {
			continue
		}
		seen[k] = true
		keys, values = append(keys, k), append(values, v)
	}
	var b strings.Builder
	for i := range keys {
		b.WriteString(keys[i] + lf.sep + values[i] + "\n")
	}
	var q []int
	if draws > 0 {
		for range draws {
			q = append(q, r.IntN(n))
		}
	} else {
		q = r.Perm(n)[:min(n, 1+r.IntN(maxQueries))]
	}
	for i, j := range q {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(keys[j] + lf.sep + values[j])
	}
	return b.String()
}

// passages cuts text at blank lines into pieces of at least size bytes.
func passages(text string, size int) []string {
	var out []string
	var cur strings.Builder
	for _, p := range strings.Split(text, "\n\n") {
		if cur.Len() > 0 {
			cur.WriteString("\n\n")
		}
		cur.WriteString(p)
		if cur.Len() >= size {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
