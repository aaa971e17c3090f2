package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/herd-llm/herd/internal/modelflags"
)

func cmdTokenize(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("tokenize")
	specials := cl.Bool("specials", false, "recognise special tokens such as <|begin_of_text|> in the text")
	file := cl.String("file", "", "read the text from this file instead of the argument")
	decode := cl.Bool("decode", false, "the argument is token ids: print their text instead")
	pos, err := cl.Parse(args, stdout)
	if err != nil {
		return err
	}
	var text string
	switch {
	case *file != "" && len(pos) > 0:
		return usagef("give either --file or a text argument, not both")
	case *file != "":
		b, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		text = string(b)
	case len(pos) == 1:
		text = pos[0]
	case len(pos) == 0:
		return usagef("give the text to tokenize (or --file F)")
	default:
		return usagef("give the text as one argument (quote it)")
	}
	tok, err := modelflags.LoadTokenizerOnly(cl.Model)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	if *decode {
		ids, err := parseIDs(text)
		if err != nil {
			return usagef("%v", err)
		}
		for _, id := range ids {
			if int(id) >= tok.VocabSize() {
				return fmt.Errorf("token %d is outside the vocabulary of %d", id, tok.VocabSize())
			}
		}
		fmt.Fprintln(w, tok.Decode(ids, false))
		return nil
	}
	for i, id := range tok.Encode(text, *specials) {
		if i > 0 {
			w.WriteByte(' ')
		}
		w.WriteString(strconv.Itoa(int(id)))
	}
	w.WriteByte('\n')
	return nil
}
