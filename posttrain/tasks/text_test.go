package tasks

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriteText(t *testing.T) {
	task, err := New("arithmetic:digits=2", 7)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, task, 3, 53); err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(strings.TrimSuffix(buf.String(), "\n\n"), "\n\n")
	if len(docs) != 50 {
		t.Fatalf("%d documents, want 50", len(docs))
	}
	for k, d := range docs {
		p, err := task.Sample(Train, 3+k)
		if err != nil {
			t.Fatal(err)
		}
		want := p.Messages[0].Content + "\n" + p.Solution
		if d != want {
			t.Errorf("document %d = %q, want %q", k, d, want)
		}
		key := strings.TrimSuffix(strings.TrimPrefix(d, "What is "), "? Reply with the number only.\n"+p.Solution)
		if SplitOf(task, key) != Train {
			t.Errorf("document %d: problem %q is held out", k, key)
		}
	}
	for _, c := range []struct{ lo, hi int }{{-1, 3}, {5, 4}} {
		if err := WriteText(&buf, task, c.lo, c.hi); err == nil {
			t.Errorf("range %d…%d: no error", c.lo, c.hi)
		}
	}
}
