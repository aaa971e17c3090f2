package pretrain

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
)

// ParseSeqStages reads a --seq value: "T" or "T0,T1@STEP1,T2@STEP2,…"
// (steps increasing). It returns T0 and the later stages, whose batches
// keep batch×T0 tokens per micro-batch (at least one row).
func ParseSeqStages(spec string, batch int) (int, []train.Stage, error) {
	parts := strings.Split(spec, ",")
	t0, err := strconv.Atoi(parts[0])
	if err != nil || t0 <= 0 {
		return 0, nil, badf("--seq %q: %q is not a positive number of tokens", spec, parts[0])
	}
	var st []train.Stage
	for _, p := range parts[1:] {
		ts, ss, ok := strings.Cut(p, "@")
		T, err1 := strconv.Atoi(ts)
		step, err2 := strconv.Atoi(ss)
		if !ok || err1 != nil || err2 != nil || T <= 0 {
			return 0, nil, badf("--seq %q: stage %q is not T@STEP", spec, p)
		}
		st = append(st, train.Stage{Step: step, SeqLen: T, Batch: max(1, batch*t0/T)})
	}
	return t0, st, nil
}

// longestStage is the shape (rows, tokens) of the run's longest rows.
func longestStage(o *train.Options) (B, T int) {
	B, T = o.Batch, o.SeqLen
	for _, s := range o.Stages {
		if s.SeqLen > T {
			B, T = s.Batch, s.SeqLen
		}
	}
	return B, T
}

// stagesString describes the sequence-length schedule.
func stagesString(o *train.Options) string {
	s := fmt.Sprintf("%d×%d", o.Batch, o.SeqLen)
	for _, st := range o.Stages {
		s += fmt.Sprintf(", from step %d %d×%d", st.Step, st.Batch, st.SeqLen)
	}
	return s
}

// newDataset tokenizes the training text: one stream, or documents split
// at sep (with the escapes \n, \t and \\; dataset.NewDocuments) when sep is
// set.
func newDataset(text []byte, tk dataset.Tokenizer, valFrac float64, sep string) (*dataset.Dataset, error) {
	if sep == "" {
		return dataset.New(text, tk, valFrac)
	}
	return dataset.NewDocuments(text, tk, valFrac, unescape(sep))
}

// unescape turns the escapes \n, \t and \\ of a flag value into their
// characters.
func unescape(s string) string {
	return strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`).Replace(s)
}
