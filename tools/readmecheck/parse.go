package main

import (
	"bufio"
	"fmt"
	"strings"
)

// markerPrefix starts a directive for this check: an HTML comment on the
// last non-blank line before a ```sh block.
const markerPrefix = "<!-- readme-check:"

// block is one ```sh block of the README and what its marker says.
type block struct {
	Line       int      // line of the opening fence (1-based)
	Commands   []string // the shell commands, continuation lines joined
	Skip       string   // non-empty: not run, for this reason
	Background string   // non-empty: the first command is a server, ready when this URL answers 200
}

// parseBlocks extracts the ```sh blocks of a Markdown text in order. A
// command is a line, with the lines after a trailing backslash (kept, for
// bash to join) added to it; blank lines and lines starting with # are left out. A marker
// `<!-- readme-check: skip: REASON -->` or `<!-- readme-check:
// background: URL -->` on the last non-blank line before the fence applies
// to that block; any other readme-check directive, a marker not followed
// by a ```sh block, or an unclosed block is an error.
func parseBlocks(text string) ([]block, error) {
	var (
		blocks  []block
		pending *block // the marker's settings, waiting for its fence
		pendAt  int
		cur     *block
		cont    string // a command continued with a backslash
		fence   string
	)
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		trim := strings.TrimSpace(line)
		if cur != nil {
			if trim == fence {
				if cont != "" {
					return nil, fmt.Errorf("line %d: block ends inside a continued command %q", n, cont)
				}
				blocks = append(blocks, *cur)
				cur = nil
				continue
			}
			if strings.HasSuffix(line, "\\") {
				cont += line + "\n" // bash joins the lines itself
				continue
			}
			cmd := cont + line
			cont = ""
			if t := strings.TrimSpace(cmd); t != "" && !strings.HasPrefix(t, "#") {
				cur.Commands = append(cur.Commands, cmd)
			}
			continue
		}
		if trim == "" {
			continue
		}
		if strings.HasPrefix(trim, markerPrefix) {
			if pending != nil {
				return nil, fmt.Errorf("line %d: marker follows the marker of line %d with no ```sh block between", n, pendAt)
			}
			b, err := parseMarker(trim)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			pending, pendAt = &b, n
			continue
		}
		if f, lang, ok := openFence(trim); ok {
			if lang == "sh" {
				cur = &block{Line: n}
				if pending != nil {
					cur.Skip, cur.Background = pending.Skip, pending.Background
				}
				fence, pending = f, nil
				continue
			}
			if pending != nil {
				return nil, fmt.Errorf("line %d: the marker of line %d is followed by a ```%s block, not ```sh", n, pendAt, lang)
			}
			// Skip a block of another language, so its lines are not read as markers.
			for sc.Scan() {
				n++
				if strings.TrimSpace(sc.Text()) == f {
					break
				}
			}
			continue
		}
		if pending != nil {
			return nil, fmt.Errorf("line %d: the marker of line %d is not directly before a ```sh block", n, pendAt)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("the ```sh block of line %d is not closed", cur.Line)
	}
	if pending != nil {
		return nil, fmt.Errorf("the marker of line %d is not followed by a ```sh block", pendAt)
	}
	return blocks, nil
}

// openFence reports whether line opens a fenced code block, with its fence
// (the backticks or tildes that close it) and info string's language.
func openFence(line string) (fence, lang string, ok bool) {
	for _, c := range []string{"`", "~"} {
		i := 0
		for i < len(line) && line[i:i+1] == c {
			i++
		}
		if i >= 3 {
			lang = strings.TrimSpace(line[i:])
			if f := strings.Fields(lang); len(f) > 0 {
				lang = f[0]
			}
			return line[:i], lang, true
		}
	}
	return "", "", false
}

// parseMarker reads `<!-- readme-check: skip: REASON -->` or
// `<!-- readme-check: background: URL -->`.
func parseMarker(s string) (block, error) {
	body, ok := strings.CutSuffix(strings.TrimPrefix(s, markerPrefix), "-->")
	if !ok {
		return block{}, fmt.Errorf("marker %q: want it on one line, ending in -->", s)
	}
	kind, arg, _ := strings.Cut(strings.TrimSpace(body), ":")
	arg = strings.TrimSpace(arg)
	switch strings.TrimSpace(kind) {
	case "skip":
		if arg == "" {
			return block{}, fmt.Errorf("marker %q: a skip needs a reason (skip: needs llama.cpp)", s)
		}
		return block{Skip: arg}, nil
	case "background":
		if !strings.HasPrefix(arg, "http://") {
			return block{}, fmt.Errorf("marker %q: background needs the http:// URL that answers 200 when the server is ready", s)
		}
		return block{Background: arg}, nil
	}
	return block{}, fmt.Errorf("marker %q: unknown directive %q (want skip: REASON or background: URL)", s, strings.TrimSpace(kind))
}
