package runlog

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/checkpoint"
)

// Read parses a run's log.csv (columns as logHeader), filling the
// columns the plots use: Step, Loss, ValLoss, ValBPB and ExpertTokens.
func Read(path string) ([]Row, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	var rows []Row
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 0; sc.Scan(); line++ {
		if line == 0 {
			continue // header
		}
		f := strings.Split(sc.Text(), ",")
		if len(f) < 9 {
			return nil, fmt.Errorf("runlog: %s line %d: %d columns, want at least 9", path, line+1, len(f))
		}
		step, err1 := strconv.Atoi(f[0])
		tl, err2 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("runlog: %s line %d: bad step or loss", path, line+1)
		}
		r := Row{Step: step, Loss: tl, ValLoss: math.NaN(), ValBPB: math.NaN()}
		if v, err := strconv.ParseFloat(f[7], 64); err == nil {
			r.ValLoss = v
		}
		if v, err := strconv.ParseFloat(f[8], 64); err == nil {
			r.ValBPB = v
		}
		if len(f) > 11 {
			if r.ExpertTokens, err = parseCounts(f[11]); err != nil {
				return nil, fmt.Errorf("runlog: %s line %d: expert_tokens: %w", path, line+1, err)
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// parseCounts reads an expert_tokens column back: [MoE layer][expert].
func parseCounts(s string) ([][]int64, error) {
	if s == "" {
		return nil, nil
	}
	var out [][]int64
	for _, layer := range strings.Split(s, "|") {
		var c []int64
		for _, f := range strings.Fields(layer) {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return nil, err
			}
			c = append(c, n)
		}
		out = append(out, c)
	}
	return out, nil
}

// trimLog drops the rows of steps after step from a run's log (they belong
// to an interrupted run that is being resumed from step).
func trimLog(path string, step int) error {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(b))
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			first = false
			out.WriteString(line + "\n")
			continue
		}
		f, _, _ := strings.Cut(line, ",")
		if n, err := strconv.Atoi(f); err == nil && n <= step {
			out.WriteString(line + "\n")
		}
	}
	if bytes.Equal(out.Bytes(), b) {
		return nil
	}
	return checkpoint.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(out.Bytes())
		return err
	})
}
