package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNIAHPooled pools two seeds' niah.csv files per length, draws the PNG
// and prints the pooled counts; malformed files are errors that name them.
func TestNIAHPooled(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	head := "length,depth,trials,correct,accuracy\n"
	a := write("a.csv", head+"64,0,10,6,0.6\n64,1,10,9,0.9\n128,0,10,2,0.2\n128,1,10,0,0\n")
	b := write("b.csv", head+"128,0,10,5,0.5\n64,0,10,10,1\n")
	png := filepath.Join(dir, "n.png")
	var out bytes.Buffer
	if err := runNIAH(png, []string{"two seeds=" + a + "," + b, "one=" + b}, &out); err != nil {
		t.Fatal(err)
	}
	want := "| model | 64 | 128 |\n|---|---|---|\n| two seeds | 25/30 | 7/30 |\n| one | 10/10 | 5/10 |\n"
	if out.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", out.String(), want)
	}
	if st, err := os.Stat(png); err != nil || st.Size() == 0 {
		t.Errorf("no PNG: %v", err)
	}
	for _, tc := range []struct {
		name, text, want string
	}{
		{"more.csv", head + "64,0,10,11,1.1\n", "11 correct of 10 trials"},
		{"neg.csv", head + "64,0,-1,0,0\n", `bad trials "-1"`},
		{"short.csv", head + "64,0\n", "row 2 has 2 columns"},
		{"other.csv", head + "64,0,10,1,0.1\n256,0,10,1,0.1\n", "has lengths [64 256]"},
		{"empty.csv", head, "no rows"},
	} {
		path := write(tc.name, tc.text)
		files := path
		if tc.name == "other.csv" {
			files = b + "," + path
		}
		err := runNIAH(png, []string{"x=" + files}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}
