package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel"
)

const (
	tinyGGUF      = "../../testdata/gguf/llama.cpp-tiny-f32.gguf"
	tinyTokenizer = "../../testdata/gguf/tiny-tokenizer"
	shakespeare   = "../../testdata/tinyshakespeare.txt"
)

// csvRows reads a CSV file's lines, the header included.
func csvRows(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// TestEvalNIAH runs herd eval niah on the built-in model, the tiny Hugging
// Face checkpoint (ids form; text forms with --tokenizer) and llama.cpp's
// GGUF of it: each writes a cell per length and depth, a row per trial and
// a PNG, and prints the accuracy table.
func TestEvalNIAH(t *testing.T) {
	needTiny(t)
	for _, tc := range []struct {
		name string
		args []string
		rows int // length × depth cells
	}{
		{"embedded kv", []string{"--form", "kv", "--lengths", "128,256", "--depths", "0,1"}, 4},
		{"embedded needle with a haystack file", []string{"--haystack", shakespeare, "--lengths", "200", "--depths", "0,0.5,1", "--trials", "2"}, 3},
		{"hf ids", []string{"-m", tiny + "/f32", "--form", "ids", "--lengths", "64,1k", "--depths", "0.5"}, 2},
		{"hf kv with --tokenizer", []string{"-m", tiny + "/f32", "--tokenizer", tinyTokenizer, "--form", "kv", "--lengths", "100", "--depths", "0,1"}, 2},
		{"gguf needle, temperature floor 16", []string{"-m", tinyGGUF, "--lengths", "128", "--depths", "0,0.5,1", "--attn-temp-floor", "16"}, 3},
	} {
		prefix := filepath.Join(t.TempDir(), "out", "niah")
		code, out, errOut := runHerd(append([]string{"eval", "niah", "-o", prefix}, tc.args...)...)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", tc.name, code, errOut)
			continue
		}
		if !strings.Contains(out, "accuracy ") || !strings.HasPrefix(out, "depth") {
			t.Errorf("%s: stdout %q", tc.name, out)
		}
		if rows := csvRows(t, prefix+".csv"); len(rows) != tc.rows+1 || rows[0] != "length,depth,trials,correct,accuracy" {
			t.Errorf("%s: cells CSV %q", tc.name, rows)
		}
		if rows := csvRows(t, prefix+"-trials.csv"); len(rows) < tc.rows+1 || !strings.HasPrefix(rows[0], "length,depth,trial,tokens") {
			t.Errorf("%s: trials CSV %q", tc.name, rows)
		}
		if st, err := os.Stat(prefix + ".png"); err != nil || st.Size() == 0 {
			t.Errorf("%s: PNG %v", tc.name, err)
		}
	}
}

// TestEvalPPL runs herd eval ppl on the three kinds of model: a row per
// predicted position, the last with the mean printed on stdout.
func TestEvalPPL(t *testing.T) {
	needTiny(t)
	for _, tc := range []struct {
		name string
		args []string
		ctx  int
	}{
		{"embedded", []string{"--ctx", "128", "--windows", "2"}, 128},
		{"hf with --tokenizer", []string{"-m", tiny + "/f32", "--tokenizer", tinyTokenizer, "--ctx", "64", "--windows", "2", "--batch", "16"}, 64},
		{"gguf, temperature off", []string{"-m", tinyGGUF, "--ctx", "64", "--windows", "1", "--attn-temp", "off"}, 64},
	} {
		prefix := filepath.Join(t.TempDir(), "ppl")
		code, out, errOut := runHerd(append([]string{"eval", "ppl", "--data", shakespeare, "-o", prefix}, tc.args...)...)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", tc.name, code, errOut)
			continue
		}
		if !strings.Contains(out, "mean NLL") || !strings.Contains(out, "perplexity") {
			t.Errorf("%s: stdout %q", tc.name, out)
		}
		rows := csvRows(t, prefix+".csv")
		if len(rows) != tc.ctx || rows[0] != "position,mean_nll,cumulative_mean_nll" || !strings.HasPrefix(rows[len(rows)-1], strconv.Itoa(tc.ctx-1)+",") {
			t.Errorf("%s: CSV has %d rows, header %q, last %q", tc.name, len(rows), rows[0], rows[len(rows)-1])
		}
		if _, err := os.Stat(prefix + ".png"); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestEvalErrors: bad arguments get clear errors, usage errors exit 2.
func TestEvalErrors(t *testing.T) {
	needTiny(t)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short.txt")
	if err := os.WriteFile(short, []byte("ROMEO: But soft, what light through yonder window breaks?\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := filepath.Join(dir, "x")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"eval"}, 2, "give a subcommand first: niah or ppl"},
		{[]string{"eval", "nia"}, 2, `did you mean "niah"`},
		{[]string{"eval", "niah", "--lengths", "8k", "-o", o}, 1, "length 8192 with its 8 answer tokens exceeds the model's 4096 positions"},
		{[]string{"eval", "niah", "--lengths", "512", "--ctx", "256", "-o", o}, 1, "beyond --ctx 256"},
		{[]string{"eval", "niah", "--lengths", "20", "-o", o}, 1, "length 20 is too short: the needle"},
		{[]string{"eval", "niah", "--depths", "0,1.5"}, 2, "depth 1.5 is outside [0, 1]"},
		{[]string{"eval", "niah", "--lengths", "1x"}, 2, `length "1x"`},
		{[]string{"eval", "niah", "--form", "qa"}, 2, `unknown prompt form "qa"`},
		{[]string{"eval", "niah", "--form", "kv", "--haystack", shakespeare}, 2, "--haystack is for --form needle"},
		{[]string{"eval", "niah", "--haystack", empty}, 1, "has no text"},
		{[]string{"eval", "niah", "-m", tiny + "/f32", "-o", o}, 1, "form needle needs a tokenizer and model f32 has none"},
		{[]string{"eval", "niah", "--attn-temp", "maybe"}, 2, `--attn-temp "maybe": want on or off`},
		{[]string{"eval", "niah", "--attn-temp", "off", "--attn-temp-floor", "8"}, 2, "no effect with --attn-temp off"},
		{[]string{"eval", "niah", "--attn-temp-floor", "0", "-o", o}, 2, "floor 0 must be a positive"},
		{[]string{"eval", "ppl"}, 2, "missing --data"},
		{[]string{"eval", "ppl", "--data", empty}, 1, "empty.txt is empty"},
		{[]string{"eval", "ppl", "--data", filepath.Join(dir, "none.txt")}, 1, "none.txt"},
		{[]string{"eval", "ppl", "--data", shakespeare, "--ctx", "99999"}, 1, "--ctx 99999 exceeds the model's max_position_embeddings 4096"},
		{[]string{"eval", "ppl", "--data", shakespeare, "--ctx", "1"}, 2, "--ctx 1 must be at least 2"},
		{[]string{"eval", "ppl", "-m", tiny + "/f32", "--data", shakespeare, "-o", o}, 1, "no tokenizer to read --data with: give --tokenizer"},
		{[]string{"eval", "ppl", "--data", short, "--ctx", "4096", "-o", o}, 1, "data tokens are fewer than the 4095 one window of 4096 needs"},
	} {
		code, _, errOut := runHerd(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("herd %v: exit %d stderr %q; want exit %d mentioning %q", tc.args, code, errOut, tc.code, tc.want)
		}
		if sub := tc.args[1:]; code == 2 && len(sub) > 0 && (sub[0] == "niah" || sub[0] == "ppl") && !strings.Contains(errOut, "Run 'herd eval "+sub[0]+" -h'") {
			t.Errorf("herd %v: usage error without the subcommand's -h: %q", tc.args, errOut)
		}
	}
	if code, out, _ := runHerd("help", "eval", "ppl"); code != 0 || !strings.HasPrefix(out, "Usage: herd eval ppl --data FILE") {
		t.Errorf("herd help eval ppl: exit %d %q", code, out)
	}
}

// TestEvalAttnTemp: --attn-temp switches temperature tuning on the tiny
// model (floor 8): off changes the logits past position 6 only, a floor
// beyond the prompt is the same as off, and the flags leave no trace on
// the next command in the process.
func TestEvalAttnTemp(t *testing.T) {
	needTiny(t)
	ids := "328 43 375 445 406 149 206 17 99 250 3 77"
	m := []string{"-m", tiny + "/f32", "--ids", ids}
	_, base := runLogits(t, m...)
	_, off := runLogits(t, append(m, "--attn-temp", "off")...)
	_, far := runLogits(t, append(m, "--attn-temp-floor", "1000")...)
	_, strong := runLogits(t, append(m, "--attn-temp", "on", "--attn-temp-scale", "2")...)
	_, again := runLogits(t, m...)
	const V = 512
	if d, _ := testmodel.MaxAbsDiff(off[:6*V], base[:6*V]); d != 0 {
		t.Errorf("off changed positions 0-5 by %g", d)
	}
	if d, _ := testmodel.MaxAbsDiff(off, base); d == 0 {
		t.Error("--attn-temp off did not change the logits")
	}
	if d, _ := testmodel.MaxAbsDiff(far, off); d != 0 {
		t.Errorf("floor 1000 differs from off by %g", d)
	}
	if d, _ := testmodel.MaxAbsDiff(strong, base); d == 0 {
		t.Error("--attn-temp-scale 2 did not change the logits")
	}
	if d, _ := testmodel.MaxAbsDiff(again, base); d != 0 {
		t.Errorf("a later run without flags differs by %g", d)
	}
	// The shared built-in model is copied, not changed.
	withStdin(t, "", false)
	for _, args := range [][]string{
		{"run", "ROMEO:", "-n", "3", "--temp", "0", "-q"},
		{"run", "ROMEO:", "-n", "3", "--temp", "0", "-q", "--attn-temp", "off"},
		{"run", "ROMEO:", "-n", "3", "--temp", "0", "-q"},
	} {
		if code, _, errOut := runHerd(args...); code != 0 {
			t.Errorf("herd %v: exit %d %s", args, code, errOut)
		}
	}
	if code, _, errOut := runHerd("run", "ROMEO:", "-n", "1", "--attn-temp", "off", "--attn-temp-scale", "1"); code != 2 || !strings.Contains(errOut, "no effect") {
		t.Errorf("run --attn-temp off --attn-temp-scale 1: exit %d %s", code, errOut)
	}
}
