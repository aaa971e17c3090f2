package tokenizer

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// byteLines returns tiktoken lines for the 256 single bytes, ranks 0..255.
func byteLines() string {
	var sb strings.Builder
	for b := range 256 {
		fmt.Fprintf(&sb, "%s %d\n", base64.StdEncoding.EncodeToString([]byte{byte(b)}), b)
	}
	return sb.String()
}

func TestParseTiktokenErrors(t *testing.T) {
	ok := byteLines()
	cases := []struct {
		name, data, want string
	}{
		{"empty", "", "no tokens"},
		{"no rank", "QQ==\n", `want "base64 rank"`},
		{"bad rank", "QQ== one\n", "bad rank"},
		{"negative rank", "QQ== -1\n", "bad rank"},
		{"bad base64", "!!!! 0\n", "bad base64"},
		{"truncated base64", "QQ= 0\n", "bad base64"},
		{"rank gap", "QQ== 0\nQg== 2\n", "out of order"},
		{"duplicate rank", "QQ== 0\nQg== 0\n", "out of order"},
		{"duplicate token", ok + "QQ== 256\n", `token "A" has ids 65 and 256`},
		{"empty token", ok + " 256\n", "id 256 is empty"},
		{"missing byte", strings.Replace(ok, "QQ== 65\n", "", 1), "out of order"},
		{"byte without token", strings.Replace(ok, "QQ== 65\n", "QUI= 65\n", 1), "byte 0x41 has no token"},
	}
	for _, c := range cases {
		_, err := ParseTiktoken([]byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
	tok, err := ParseTiktoken([]byte(ok + "QUI= 256\r\n\n"))
	if err != nil {
		t.Fatalf("valid file with CRLF and a blank line: %v", err)
	}
	if tok.VocabSize() != 257+NumSpecial {
		t.Errorf("VocabSize = %d", tok.VocabSize())
	}
	if id, _ := tok.TokenID("AB"); id != 256 {
		t.Errorf(`TokenID("AB") = %d`, id)
	}
	if id, _ := tok.TokenID(BeginOfText); id != 257 {
		t.Errorf("BOS = %d, want 257 (first id after the ranks)", id)
	}
}

func TestLoadFindsFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "neither") {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing path: %v", err)
	}
	tik := syntheticTiktoken()
	hf := hfJSON(t, syntheticTokenizer(t))
	// tokenizer.json alone
	if err := os.WriteFile(filepath.Join(dir, HFFile), hf, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err != nil {
		t.Errorf("dir with tokenizer.json: %v", err)
	}
	// original/tokenizer.model, as in Hugging Face repositories, comes before
	// tokenizer.json; prove it by breaking the JSON.
	if err := os.WriteFile(filepath.Join(dir, HFFile), hf[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "original"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "original", TiktokenFile), tik, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err != nil {
		t.Errorf("dir with original/tokenizer.model: %v", err)
	}
	// tokenizer.model itself comes first of all.
	if err := os.WriteFile(filepath.Join(dir, "original", TiktokenFile), []byte("broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, TiktokenFile), tik, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err != nil {
		t.Errorf("dir with both files: %v", err)
	}
	// Files are recognised by content, whatever their names.
	odd := filepath.Join(dir, "vocab.txt")
	if err := os.WriteFile(odd, hf, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(odd); err != nil {
		t.Errorf("JSON under another name: %v", err)
	}
	_, err := Load(filepath.Join(dir, HFFile))
	if err == nil || !strings.Contains(err.Error(), HFFile) {
		t.Errorf("truncated JSON: error %v should name the file", err)
	}
	if !bytes.HasPrefix(tik, []byte("AA== 0")) {
		t.Errorf("synthetic file starts %q", tik[:10])
	}
}
