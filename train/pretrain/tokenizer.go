package pretrain

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train/dataset"
)

// ParseTokenizer reads a --tokenizer value: "bytes" gives 0, "bpe:N" gives N
// (at least 256).
func ParseTokenizer(spec string) (int, error) {
	switch {
	case spec == "bytes":
		return 0, nil
	case spec == "":
		return 0, badf(`choose a tokenizer: --tokenizer bpe:N (a Llama 4-format BPE of N ranks, e.g. bpe:4096) or --tokenizer bytes`)
	case !strings.HasPrefix(spec, "bpe:"):
		return 0, badf("--tokenizer %q: want bpe:N or bytes", spec)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(spec, "bpe:"))
	if err != nil || n < 256 {
		return 0, badf("--tokenizer %q: N must be a number of ranks ≥ 256", spec)
	}
	return n, nil
}

// trainTokenizer returns the run's tokenizer: the byte tokenizer when ranks
// is 0, else a BPE vocabulary of that many ranks trained on the training
// part of text and written to outDir/tokenizer.model, where
// `herd run -m outDir` finds it. A resumed run reads that file back instead
// (runTokenizer).
func trainTokenizer(n int, text []byte, valFrac float64, outDir string, resume bool, log io.Writer) (dataset.Tokenizer, error) {
	path := filepath.Join(outDir, tokenizer.TiktokenFile)
	if resume {
		return runTokenizer(path, n)
	}
	if n == 0 {
		return dataset.ByteTokenizer{}, nil
	}
	tp, _, err := dataset.SplitText(text, valFrac)
	if err != nil {
		return nil, badf("%v", err)
	}
	t0 := time.Now()
	v, err := tokenizer.TrainBPE(string(tp), n)
	if err != nil {
		return nil, err
	}
	if len(v.Ranks) < n {
		fmt.Fprintf(log, "note: the training text supports only %d ranks\n", len(v.Ranks))
	}
	t, err := v.Tokenizer()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, v.Tiktoken(), 0o644); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "tokenizer: %d BPE ranks + %d specials trained on %d bytes in %v, written to %s\n",
		len(v.Ranks), t.VocabSize()-len(v.Ranks), len(tp), time.Since(t0).Round(time.Millisecond), path)
	return dataset.TextTokenizer{T: t}, nil
}

// runTokenizer is a resumed run's tokenizer: the run directory's
// tokenizer.model (path) when it has one (a BPE run, or one started from a
// model with --init-from), else the byte tokenizer; n > 0 (--tokenizer
// bpe:N given again) insists on the file.
func runTokenizer(path string, n int) (dataset.Tokenizer, error) {
	if _, err := os.Stat(path); err != nil {
		if n > 0 || !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return dataset.ByteTokenizer{}, nil
	}
	t, err := tokenizer.Load(path)
	if err != nil {
		return nil, err
	}
	return dataset.TextTokenizer{T: t}, nil
}

// copyTokenizer returns the tokenizer of the model in dir for a run that
// starts from it: its tokenizer.model, copied into outDir so that the run's
// exports, --resume and herd run find it; the byte tokenizer when dir has
// none.
func copyTokenizer(dir, outDir string, log io.Writer) (dataset.Tokenizer, error) {
	src := filepath.Join(dir, tokenizer.TiktokenFile)
	b, err := os.ReadFile(src)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(filepath.Join(dir, tokenizer.HFFile)); err == nil {
			return nil, badf("--init-from %s: its tokenizer is %s; herd train reads a %s (tiktoken) or runs byte-level", dir, tokenizer.HFFile, tokenizer.TiktokenFile)
		}
		fmt.Fprintf(log, "tokenizer: %s has no %s: the byte tokenizer\n", dir, tokenizer.TiktokenFile)
		return dataset.ByteTokenizer{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--init-from: %w", err)
	}
	t, err := tokenizer.ParseTiktoken(b)
	if err != nil {
		return nil, fmt.Errorf("--init-from: %s: %w", src, err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(outDir, tokenizer.TiktokenFile), b, 0o644); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "tokenizer: %s's (%d ids), copied to %s\n", dir, t.VocabSize(), outDir)
	return dataset.TextTokenizer{T: t}, nil
}
