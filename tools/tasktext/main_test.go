package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/herd-llm/herd/tokenizer"
)

// recipeRanks and recipeProblems are the BPE size tools/posttrain-recipe.sh
// trains on this command's text (--tokenizer bpe:297) and the problems per
// task it writes (PT_PROBLEMS).
const recipeRanks, recipeProblems = 297, 40000

// TestRecipeTokenizerKeepsDigits checks that the recipe's BPE, trained on
// the recipe's text, merges no digits: every number is written digit by
// digit, so carries are the same one-digit steps in every problem.
func TestRecipeTokenizerKeepsDigits(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a BPE on 7 MB of text")
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := write(w, []string{"arithmetic:digits=1,working=1", "arithmetic:digits=2,working=1"}, recipeProblems, 1); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	// herd train learns the BPE on the first 90% of the documents.
	docs := strings.SplitAfter(buf.String(), "\n\n")
	text := strings.Join(docs[:len(docs)*9/10], "")
	v, err := tokenizer.TrainBPE(text, recipeRanks)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Ranks) != recipeRanks {
		t.Fatalf("%d ranks, want %d", len(v.Ranks), recipeRanks)
	}
	for r := 256; r < len(v.Ranks); r++ {
		if strings.ContainsAny(v.Ranks[r], "0123456789") {
			t.Errorf("rank %d %q holds a digit", r, v.Ranks[r])
		}
	}
}
