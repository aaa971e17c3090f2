package evals

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
)

// fillerWords are the words of the built-in haystack sentences.
var fillerWords = strings.Fields(`the a of and to in is was for on with as by at from that this it his her their
old young great small green grey quiet long short bright dark cold warm early late
king queen lord lady friend stranger farmer sailor soldier merchant child mother father
city river road house field garden window door table letter story song morning evening
winter summer night rain wind stone bread water horse bird tree market bridge ship
walked waited spoke found carried opened closed watched heard remembered followed left
slowly softly often never again always together alone today yesterday there here`)

// FillerLines reads a haystack text file: its non-empty lines, which the
// text forms repeat from a seeded line onwards as the haystack. A file
// without text is an error naming it.
func FillerLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("haystack file: %w", err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimRight(l, "\r \t"); strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("haystack file %s has no text", path)
	}
	return lines, nil
}

// filler makes the pieces of a text haystack: the lines of a file, from a
// random one on, each ending in a newline; or, without lines, random
// sentences of the built-in words, each starting with a space.
type filler struct {
	lines []string
	next  int
	rng   *rand.Rand
}

func newFiller(lines []string, rng *rand.Rand) *filler {
	f := &filler{lines: lines, rng: rng}
	if len(lines) > 0 {
		f.next = rng.IntN(len(lines))
	}
	return f
}

// piece returns the next piece of text.
func (f *filler) piece() string {
	if len(f.lines) > 0 {
		l := f.lines[f.next]
		f.next = (f.next + 1) % len(f.lines)
		return l + "\n"
	}
	n := 5 + f.rng.IntN(8)
	w := make([]string, n)
	for i := range w {
		w[i] = fillerWords[f.rng.IntN(len(fillerWords))]
	}
	return " " + strings.ToUpper(w[0][:1]) + w[0][1:] + " " + strings.Join(w[1:], " ") + "."
}

// wrap formats a sentence of the prompt (the needle) as the filler's
// pieces are: on a line of its own, or after a space.
func (f *filler) wrap(s string) string {
	if len(f.lines) > 0 {
		return s + "\n"
	}
	return " " + s
}
