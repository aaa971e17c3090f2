package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/tokenizer"
)

const tinyVision = "../../testdata/llama4-tiny-vision"

// visionModelDir makes a model directory from the tiny multimodal golden
// model plus a tokenizer.json whose special tokens carry the golden ids
// (<|patch|> 500 … <|tile_y_separator|> 505), so the CLI can look the image
// tokens up by name as it does for the real vocabulary.
func visionModelDir(t *testing.T) string {
	t.Helper()
	src := tinymodel.VisionWeights(t)
	dir := t.TempDir()
	for _, f := range []string{"config.json", "preprocessor_config.json", "processor_config.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	abs, err := filepath.Abs(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(abs, filepath.Join(dir, "model.safetensors")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), tinymodel.VisionTokenizerJSON(t), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestTinyVisionTokenizerFile keeps testdata/llama4-tiny-vision/f32/tokenizer.json
// (not part of the upstream golden data: it lets the README's image commands
// run on the tiny model) equal to tinymodel.VisionTokenizerJSON. HERD_UPDATE_TESTDATA=1
// rewrites it.
func TestTinyVisionTokenizerFile(t *testing.T) {
	path := filepath.Join(tinyVision, "f32", "tokenizer.json")
	want := tinymodel.VisionTokenizerJSON(t)
	if os.Getenv("HERD_UPDATE_TESTDATA") == "1" {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("tiny vision tokenizer absent: %v", err)
	}
	if string(got) != string(want) {
		t.Fatalf("%s is stale: rerun with HERD_UPDATE_TESTDATA=1", path)
	}
	tok, err := tokenizer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range tinymodel.ImageTokenNames {
		if id, ok := tok.TokenID(n); !ok || id != int32(500+i) {
			t.Errorf("%s: id %d, want %d", n, id, 500+i)
		}
	}
}

// goldenIDs is the golden prompt with one <|image|> placeholder per image.
const goldenIDs = "1 365 155 252 134 503 443 459 259 280 503 150 205 366 172 141 408"

// TestLogitsWithImages: herd logits --ids with two --image files expands the
// placeholders as the reference processor does and writes the golden logits.
func TestLogitsWithImages(t *testing.T) {
	dir := visionModelDir(t)
	shape, got := runLogits(t, "-m", dir, "--ids", goldenIDs,
		"--image", filepath.Join(tinyVision, "images/image_a.png"), "--image", filepath.Join(tinyVision, "images/image_b.png"))
	if len(shape) != 2 || shape[0] != 49 || shape[1] != 512 {
		t.Fatalf("shape %v, want [49 512]", shape)
	}
	want := testmodel.ReadF32(t, filepath.Join(tinyVision, "golden/logits.f32"))
	worst := 0.0
	for i := range want {
		worst = max(worst, math.Abs(float64(got[i]-want[i])))
	}
	t.Logf("logits: max |diff| %.3g", worst)
	if worst > 1e-4 {
		t.Errorf("logits differ from the reference by %g", worst)
	}
}

// TestRunWithImages: herd run --ids --image decodes the golden greedy tokens;
// a text prompt and --chat work with images too; bad input fails clearly.
func TestRunWithImages(t *testing.T) {
	dir := visionModelDir(t)
	a, b := filepath.Join(tinyVision, "images/image_a.png"), filepath.Join(tinyVision, "images/image_b.png")
	code, out, errOut := runHerd("run", "-m", dir, "--ids", goldenIDs, "--image", a, "--image", b,
		"-n", "12", "--temp", "0", "--ignore-eos", "--kv-type", "f32", "--batch", "7")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "440 36 262 120 220 391 288 112 75 482 56 483\n"; out != want {
		t.Fatalf("stdout %q, want %q", out, want)
	}
	if !strings.Contains(errOut, "prompt: 49 tokens") {
		t.Errorf("the prompt was not expanded to 49 tokens: %s", errOut)
	}
	if !strings.Contains(errOut, "beside (vision tower") {
		t.Errorf("the memory plan leaves out the vision tower: %s", errOut)
	}
	for _, args := range [][]string{
		{"run", "-m", dir, "--image", a, "Describe this", "-n", "3", "-q", "--temp", "0"},
		{"run", "-m", dir, "--chat", "--image", a, "--image", b, "Compare these", "-n", "3", "-q", "--temp", "0"},
		{"run", "-m", dir, "--image", a, "<|image|> first", "-n", "2", "-q", "--temp", "0"},
	} {
		if code, _, errOut := runHerd(args...); code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, errOut)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.png")
	os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "-m", dir, "--ids", goldenIDs, "--image", a, "-n", "1"}, "2 <|image|> placeholders (id 503) but 1 images"},
		{[]string{"run", "-m", dir, "--ids", "1 2", "--image", bad, "-n", "1"}, "corrupt image"},
		{[]string{"run", "-m", dir, "--ids", "1 2", "--image", "/nonexistent.png", "-n", "1"}, "/nonexistent.png"},
		{[]string{"run", "-m", dir, "--image", a, "<|image|> <|image|>", "-n", "1"}, "2 <|image|> placeholders but 1 images"},
		{[]string{"logits", "-m", tiny + "/f32", "--ids", "1 2", "--image", a, "-o", filepath.Join(t.TempDir(), "x.npy")}, "no vision_config"},
	} {
		code, _, errOut := runHerd(tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error containing %q", tc.args, code, errOut, tc.want)
		}
	}
}

// TestChatImage: /image attaches a picture to the next message; the image
// stays in the history for the following turn.
func TestChatImage(t *testing.T) {
	dir := visionModelDir(t)
	input := "/image " + filepath.Join(tinyVision, "images/image_b.png") + "\nwhat is this?\nand now?\n/image /nonexistent.png\n/reset\n/quit\n"
	out, errOut := runChat(t, input,
		[]string{"image attached to the next message: 2×2 tiles, 27 tokens", "/nonexistent.png", "conversation cleared"},
		"-m", dir, "-n", "4", "--seed", "1", "--temp", "0")
	if strings.Count(out, "\n") != 2 {
		t.Errorf("want two answers, got %q (stderr %s)", out, errOut)
	}
}
