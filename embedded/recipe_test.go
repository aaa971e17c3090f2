package embedded

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
)

// TestTokenizerReproducible checks that the committed tokenizer.model is what
// the shakespeare preset's recipe trains: its BPE on the training part of
// TinyShakespeare (testdata/tinyshakespeare.txt, shipped with the repository).
func TestTokenizerReproducible(t *testing.T) {
	p, err := train.LookupPreset(Name)
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(p.Data)))
	if err != nil {
		t.Fatalf("the preset's corpus %s: %v", p.Data, err)
	}
	tp, _, err := dataset.SplitText(text, p.ValFrac)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(p.Tokenizer, "bpe:"))
	if err != nil {
		t.Fatalf("preset tokenizer %q", p.Tokenizer)
	}
	v, err := tokenizer.TrainBPE(string(tp), n)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v.Tiktoken(), tokenizerModel) {
		t.Error("the committed tokenizer.model differs from the preset's BPE trained on the data")
	}
	cfg, err := p.ParseConfig()
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Config; c.Hidden != cfg.Hidden || c.Layers != cfg.Layers || c.VocabSize != cfg.VocabSize || c.Experts != cfg.Experts {
		t.Errorf("the committed model's shape differs from the preset's")
	}
}
