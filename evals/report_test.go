package evals

import (
	"bytes"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestNIAHReports(t *testing.T) {
	r := &NIAHResult{Lengths: []int{512, 1024}, Depths: []float64{0, 1}, Trials: []Trial{
		{Length: 512, Depth: 0, Trial: 0, Tokens: 512, NeedleAt: 1, Expected: "12345", Got: "12345", Output: "12345.", Correct: true},
		{Length: 512, Depth: 0, Trial: 1, Tokens: 512, NeedleAt: 1, Expected: "55555", Got: "5", Output: "5, said he", Correct: false},
		{Length: 512, Depth: 1, Trial: 0, Tokens: 512, NeedleAt: 480, Expected: "1", Got: "1", Correct: true},
		{Length: 512, Depth: 1, Trial: 1, Tokens: 512, NeedleAt: 480, Expected: "2", Got: "2", Correct: true},
		{Length: 1024, Depth: 0, Trial: 0, Tokens: 1024, Expected: "3", Got: "", Correct: false},
		{Length: 1024, Depth: 0, Trial: 1, Tokens: 1024, Expected: "3", Got: "", Correct: false},
		{Length: 1024, Depth: 1, Trial: 0, Tokens: 1024, Expected: "4", Got: "4", Correct: true},
		{Length: 1024, Depth: 1, Trial: 1, Tokens: 1024, Expected: "4", Got: "", Correct: false},
	}}
	checkCSV(t, "cells CSV", func(w io.Writer) error { return WriteNIAHCSV(w, r) },
		"length,depth,trials,correct,accuracy\n512,0,2,1,0.5\n512,1,2,2,1\n1024,0,2,0,0\n1024,1,2,1,0.5\n")
	var b bytes.Buffer
	if err := WriteNIAHTrialsCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	if lines := bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n")); len(lines) != 9 ||
		string(lines[2]) != `512,0,1,512,1,55555,5,false,"5, said he"` {
		t.Errorf("trials CSV:\n%s", b.String())
	}
	path := filepath.Join(t.TempDir(), "niah.png")
	if err := SavePNG(path, NIAHHeatmap(r, "niah")); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("heat map PNG: %v", err)
	}
}

func TestPPLReports(t *testing.T) {
	r := &PPLResult{Windows: 1, Tokens: 3, MeanNLL: []float64{math.NaN(), 2, 1, 0.5}, CumNLL: []float64{math.NaN(), 2, 1.5, 3.5 / 3}}
	checkCSV(t, "CSV", func(w io.Writer) error { return WritePPLCSV(w, r) },
		"position,mean_nll,cumulative_mean_nll\n1,2,2\n2,1,1.5\n3,0.5,1.1666666666666667\n")
	if img := PPLChart(r, "ppl"); img.Bounds().Dx() == 0 {
		t.Error("empty chart")
	}
}

// checkCSV checks that write writes want.
func checkCSV(t *testing.T, what string, write func(io.Writer) error, want string) {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("%s:\n%s\nwant:\n%s", what, b.String(), want)
	}
}
