package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/format/npy"
	"github.com/herd-llm/herd/tokenizer"
)

const tinyVision = "../../testdata/llama4-tiny-vision"

// visionModelDir makes a model directory from the tiny multimodal golden
// model plus a tokenizer.json whose special tokens carry the golden ids
// (<|patch|> 500 … <|tile_y_separator|> 505), so the CLI can look the image
// tokens up by name as it does for the real vocabulary.
func visionModelDir(t *testing.T) string {
	t.Helper()
	src := filepath.Join(tinyVision, "f32")
	if _, err := os.Stat(filepath.Join(src, "model.safetensors")); err != nil {
		t.Skipf("tiny vision testdata absent (%v); copy ../shared/testdata/llama4-tiny-vision into testdata/", err)
	}
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
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), tinyVisionTokenizer(t), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tinyVisionTokenizer is a tokenizer.json for the tiny multimodal model's
// 512 ids: the 256 bytes (byte-level), one merge, specials up to 499
// (<|begin_of_text|> is 257), and the image tokens at the golden ids 500–505.
func tinyVisionTokenizer(t *testing.T) []byte {
	t.Helper()
	vocab := map[string]int{}
	for b := 0; b < 256; b++ {
		vocab[byteLevel(byte(b))] = b
	}
	vocab["ab"] = 256
	type added struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	}
	names := []string{tokenizer.BeginOfText, tokenizer.EndOfText, tokenizer.EndOfTurn, tokenizer.EndOfMessage,
		tokenizer.FinetunePad, tokenizer.HeaderStart, tokenizer.HeaderEnd}
	var specials []added
	for id := 257; id < 500; id++ {
		name := fmt.Sprintf("<|reserved_special_token_%d|>", id)
		if k := id - 257; k < len(names) {
			name = names[k]
		}
		specials = append(specials, added{id, name, true})
	}
	for i, n := range []string{"<|patch|>", "<|image_start|>", "<|image_end|>", "<|image|>", "<|tile_x_separator|>", "<|tile_y_separator|>"} {
		specials = append(specials, added{500 + i, n, true})
	}
	tj := map[string]any{
		"added_tokens": specials,
		"normalizer":   nil,
		"pre_tokenizer": map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Split", "pattern": map[string]any{"Regex": tokenizer.Pattern}, "behavior": "Isolated", "invert": false},
			map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false},
		}},
		"decoder": map[string]any{"type": "ByteLevel"},
		"model":   map[string]any{"type": "BPE", "ignore_merges": true, "vocab": vocab, "merges": []string{"a b"}},
	}
	b, err := json.MarshalIndent(tj, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestTinyVisionTokenizerFile keeps testdata/llama4-tiny-vision/f32/tokenizer.json
// (not part of the upstream golden data: it lets the README's image commands
// run on the tiny model) equal to tinyVisionTokenizer. HERD_UPDATE_TESTDATA=1
// rewrites it.
func TestTinyVisionTokenizerFile(t *testing.T) {
	path := filepath.Join(tinyVision, "f32", "tokenizer.json")
	want := tinyVisionTokenizer(t)
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
	for i, n := range []string{"<|patch|>", "<|image_start|>", "<|image_end|>", "<|image|>", "<|tile_x_separator|>", "<|tile_y_separator|>"} {
		if id, ok := tok.TokenID(n); !ok || id != int32(500+i) {
			t.Errorf("%s: id %d, want %d", n, id, 500+i)
		}
	}
}

// byteLevel is GPT-2's bytes_to_unicode for one byte.
func byteLevel(b byte) string {
	if b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE {
		return string(rune(b))
	}
	n := 0
	for c := 0; c < int(b); c++ {
		if !(c >= '!' && c <= '~' || c >= 0xA1 && c <= 0xAC || c >= 0xAE) {
			n++
		}
	}
	return string(rune(256 + n))
}

// goldenIDs is the golden prompt with one <|image|> placeholder per image.
const goldenIDs = "1 365 155 252 134 503 443 459 259 280 503 150 205 366 172 141 408"

// TestLogitsWithImages: herd logits --ids with two --image files expands the
// placeholders as the reference processor does and writes the golden logits.
func TestLogitsWithImages(t *testing.T) {
	dir := visionModelDir(t)
	out := filepath.Join(t.TempDir(), "l.npy")
	code, _, errOut := runHerd("logits", "-m", dir, "--ids", goldenIDs,
		"--image", filepath.Join(tinyVision, "images/image_a.png"), "--image", filepath.Join(tinyVision, "images/image_b.png"), "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	shape, got, err := npy.ReadF32(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 2 || shape[0] != 49 || shape[1] != 512 {
		t.Fatalf("shape %v, want [49 512]", shape)
	}
	want := readRawF32(t, filepath.Join(tinyVision, "golden/logits.f32"))
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
	old := stdin
	defer func() { stdin = old }()
	stdin = strings.NewReader("/image " + filepath.Join(tinyVision, "images/image_b.png") + "\nwhat is this?\nand now?\n/image /nonexistent.png\n/reset\n/quit\n")
	code, out, errOut := runHerd("chat", "-m", dir, "-n", "4", "--seed", "1", "--temp", "0")
	if code != 0 {
		t.Fatalf("chat: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"image attached to the next message: 2×2 tiles, 27 tokens", "/nonexistent.png", "conversation cleared"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("chat stderr lacks %q: %s", want, errOut)
		}
	}
	if strings.Count(out, "\n") != 2 {
		t.Errorf("want two answers, got %q (stderr %s)", out, errOut)
	}
}

func readRawF32(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24)
	}
	return v
}
