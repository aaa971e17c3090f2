package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/format/npy"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/kernels"
)

const tiny = "../../testdata/llama4-tiny"

func needTiny(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(tiny, "f32", "model.safetensors")); err != nil {
		t.Skipf("tiny testdata model absent: %v", err)
	}
}

func runHerd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = mainErr(args, &o, &e)
	return code, o.String(), e.String()
}

// runLogits runs `herd logits` with args and -o FILE, failing the test
// unless it succeeds, and returns the .npy file's shape and values.
func runLogits(t *testing.T, args ...string) (shape []int, logits []float32) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "l.npy")
	code, _, errOut := runHerd(append(append([]string{"logits"}, args...), "-o", out)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	shape, logits, err = npy.ReadF32(b)
	if err != nil {
		t.Fatal(err)
	}
	return shape, logits
}

// runChat runs `herd chat` with args on the given standard input, failing
// the test unless it succeeds or its stderr lacks one of wantErr; it returns
// stdout and stderr.
func runChat(t *testing.T, input string, wantErr []string, args ...string) (stdout, stderr string) {
	t.Helper()
	old := stdin
	defer func() { stdin = old }()
	stdin = strings.NewReader(input)
	code, out, errOut := runHerd(append([]string{"chat"}, args...)...)
	if code != 0 {
		t.Fatalf("chat: exit %d: %s", code, errOut)
	}
	for _, want := range wantErr {
		if !strings.Contains(errOut, want) {
			t.Errorf("chat stderr lacks %q: %s", want, errOut)
		}
	}
	return out, errOut
}

func TestRunGreedyIDs(t *testing.T) {
	needTiny(t)
	// greedy_a of the golden set and its 20 reference tokens (base-f32 manifest).
	code, out, errOut := runHerd("run", "-m", tiny+"/f32", "--ids", "162 167 419 437 98 200 274 446 31 239 505 288", "-n", "20", "--temp", "0", "--ignore-eos", "--kv-type", "f32", "--batch", "5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "134 260 193 120 387 32 397 8 276 295 32 262 365 245 481 92 52 326 364 320\n"
	if out != want {
		t.Fatalf("stdout %q, want %q", out, want)
	}
	if !strings.Contains(errOut, "generated: 20 tokens") {
		t.Errorf("no timing line on stderr: %q", errOut)
	}
}

func TestRunSeeded(t *testing.T) {
	needTiny(t)
	args := []string{"run", "-m", tiny + "/f32", "--ids", "1 2 3", "-n", "12", "--temp", "1", "--seed", "7", "-q", "--ignore-eos"}
	_, a, _ := runHerd(args...)
	_, b, _ := runHerd(args...)
	if a != b || len(strings.Fields(a)) != 12 {
		t.Fatalf("seeded runs differ or wrong length: %q vs %q", a, b)
	}
}

func TestLogitsNPY(t *testing.T) {
	needTiny(t)
	shape, got := runLogits(t, "-m", tiny+"/f32", "--ids", "328 43 375 445 406 149 206")
	if len(shape) != 2 || shape[0] != 7 || shape[1] != 512 {
		t.Fatalf("shape %v", shape)
	}
	want := testmodel.ReadF32(t, filepath.Join(tiny, "golden/base-f32/logits_len7.f32"))
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-4 {
			t.Fatalf("logit %d: %v vs golden %v", i, got[i], want[i])
		}
	}
}

func TestInspectRealConfigs(t *testing.T) {
	for _, tc := range []struct{ dir, total, active string }{
		{"../../testdata/configs/scout-17b-16e-instruct", "108,641,793,536", "17,172,894,720"},
		{"../../testdata/configs/maverick-17b-128e-instruct/config.json", "401,583,781,376", "17,184,691,200"},
	} {
		code, out, errOut := runHerd("inspect", "-m", tc.dir)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "total            "+tc.total) || !strings.Contains(out, tc.active) {
			t.Errorf("%s: totals missing from\n%s", tc.dir, out)
		}
		if !strings.Contains(out, "47     NoPE global") || !strings.Contains(out, "0      RoPE chunked") {
			t.Errorf("%s: layer layout missing", tc.dir)
		}
	}
}

func TestInspectPlanJSON(t *testing.T) {
	code, out, errOut := runHerd("inspect", "-m", "../../testdata/configs/scout-17b-16e-instruct", "--ctx", "1048576", "--kv-type", "bf16", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var p struct {
		Global  int64 `json:"kv_global_bytes"`
		Chunked int64 `json:"kv_chunked_bytes"`
		Weights int64 `json:"weights_bytes"`
		Total   int64 `json:"total_bytes"`
		Scratch int64 `json:"scratch_bytes"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	// Spec §2.3: 4 KiB per token per layer in bf16; 12 global layers, 36 chunked capped at 8192.
	if p.Global != 12*1048576*4096 || p.Chunked != 36*8192*4096 {
		t.Errorf("KV global %d chunked %d", p.Global, p.Chunked)
	}
	if p.Weights != 108_641_793_536*2 || p.Total != p.Weights+p.Global+p.Chunked+p.Scratch {
		t.Errorf("weights %d total %d", p.Weights, p.Total)
	}
}

func TestCLIErrors(t *testing.T) {
	needTiny(t)
	withStdin(t, "", false) // herd run without a prompt reads a piped stdin
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"run", "-m", tiny + "/f32"}, 2, "give a prompt"},
		{[]string{"run", "-m", tiny + "/f32", "--ids", "1 x"}, 2, `"x" is not a token id`},
		{[]string{"run", "-m", tiny + "/f32", "--ids", "1 999"}, 1, "token 999 (at index 1) is outside the vocabulary"},
		{[]string{"run", "-m", tiny + "/f32", "--ids", "1", "--top-p", "2"}, 2, "top-p"},
		{[]string{"run", "-m", tiny + "/f32", "--ids", "1 2 3", "--ctx", "2"}, 1, "does not fit the context"},
		{[]string{"run", "-m", "/nonexistent/model", "--ids", "1"}, 1, "/nonexistent/model"},
		{[]string{"logits", "-m", tiny + "/f32", "--ids", "1"}, 2, "need --ids and -o"},
		{[]string{"run", "-m", tiny + "/f32", "--ids", "1", "--kv-type", "q4"}, 2, "unknown cache type"},
		{[]string{"run", "-m", tiny + "/f32", "--ids", "1", "--ctx", "99999999"}, 1, "max_position_embeddings"},
	} {
		code, _, errOut := runHerd(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("herd %v: exit %d stderr %q; want exit %d mentioning %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

func TestBenchDummyJSON(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runHerd("bench", "--dummy", "tiny", "-p", "16", "-n", "4", "-r", "1", "-t", "1", "--json", "--save", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", out)
	}
	for i, want := range []string{"pp16", "tg4"} {
		var r struct {
			Model   string  `json:"model"`
			Test    string  `json:"test"`
			TPS     float64 `json:"tokens_per_s"`
			Threads int     `json:"threads"`
			Kernels string  `json:"kernels"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatal(err)
		}
		if r.Test != want || r.Model != "tiny" || r.TPS <= 0 || r.Threads != 1 || r.Kernels != kernels.Impl() {
			t.Errorf("line %d: %+v", i, r)
		}
	}
	// The saved checkpoint loads and runs.
	if code, _, errOut := runHerd("run", "-m", dir, "--ids", "1 2 3", "-n", "3", "--temp", "0", "-q"); code != 0 {
		t.Fatalf("saved dummy model does not run: %s", errOut)
	}
	if code, _, _ := runHerd("bench", "--dummy", "tiny", "-m", dir); code != 2 {
		t.Error("both -m and --dummy accepted")
	}
}

// TestEmbeddedDefault: with no -m, run, inspect and bench use the model
// compiled into the binary, and greedy output is stable across runs.
func TestEmbeddedDefault(t *testing.T) {
	args := []string{"run", "ROMEO:", "-n", "24", "--temp", "0", "-q"}
	code, a, errOut := runHerd(args...)
	if code != 0 {
		t.Fatalf("run without -m: exit %d: %s", code, errOut)
	}
	_, b, _ := runHerd(args...)
	if a != b || !strings.HasPrefix(a, "ROMEO:") || len(a) < 30 {
		t.Fatalf("embedded greedy output unstable or empty: %q vs %q", a, b)
	}
	code, out, errOut := runHerd("inspect")
	if code != 0 || !strings.Contains(out, "(embedded) shakespeare") || !strings.Contains(out, "MoE") {
		t.Fatalf("inspect without -m: exit %d %s %s", code, out, errOut)
	}
	code, out, errOut = runHerd("bench", "-p", "8", "-n", "4", "-r", "1", "--bw-mb", "0", "--json")
	if code != 0 || !strings.Contains(out, `"model":"shakespeare"`) {
		t.Fatalf("bench without -m: exit %d %s %s", code, out, errOut)
	}
}
