package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/herd-llm/herd/checkpoint/ggufwrite"
	"github.com/herd-llm/herd/internal/describe"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/internal/termline"
)

func cmdConvert(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("convert")
	out := cl.String("o", "", "output GGUF file")
	typ := cl.String("type", "f32", "tensor type: "+strings.Join(ggufwrite.Types, ", ")+
		" (q8_0, q4_0, q4_k, q6_k: exactly --quant's weights; q4_k_m: llama-quantize's Q4_K_M mixture)")
	name := cl.String("name", "", "general.name (default: the model directory's name)")
	quiet := cl.Bool("q", false, "print nothing but errors")
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	model := cl.Model
	ft, err := ggufwrite.ParseFileType(*typ)
	if err != nil || *typ == "" {
		return usagef("--type %q: want one of %s", *typ, strings.Join(ggufwrite.Types, ", "))
	}
	if *name == "" {
		*name = strings.TrimSuffix(filepath.Base(filepath.Clean(model)), filepath.Ext(model))
	}
	t0 := time.Now()
	line := termline.New(stderr, "convert", *quiet) // nil unless stderr is a terminal
	defer line.End()
	stopLoad := line.Phase("load " + model)
	m, err := modelflags.LoadModel(model)
	stopLoad()
	if err != nil {
		return err
	}
	defer m.Close()
	rep, err := ggufwrite.WriteFile(model, m, *out, ggufwrite.Options{Type: ft, Name: *name, Progress: line.Progress()})
	if err != nil {
		return err
	}
	line.End()
	if *quiet {
		return nil
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	st, _ := os.Stat(*out)
	fmt.Fprintf(stderr, "wrote %s: %s, llama4 %s (matrices %s), %s, in %.1fs\n",
		*out, describe.Human(st.Size()), rep.Type, describe.TypeCounts(rep.ByType), rep.Tokenizer, time.Since(t0).Seconds())
	return nil
}
