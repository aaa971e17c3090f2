package grammar

import (
	"math"
	"slices"
	"sync"
	"testing"
)

// allowedTokens masks zero logits (padded by 3 ids) and returns the ids
// left, checking that the padding is masked.
func allowedTokens(t *testing.T, c *Constraint, n int) []string {
	t.Helper()
	logits := make([]float32, n+3)
	c.Mask(logits)
	var out []string
	fv := c.v
	for id, l := range logits {
		if math.IsInf(float64(l), -1) {
			continue
		}
		if id >= n {
			t.Fatalf("padding id %d allowed", id)
		}
		if fv.bytes[id] == "" {
			out = append(out, "<special>")
			continue
		}
		out = append(out, fv.bytes[id])
	}
	return out
}

func TestConstraintStops(t *testing.T) {
	fv, stops := newFakeVocab()
	c := NewConstraint(fv, JSONObject(), stops)
	for _, tok := range allowedTokens(t, c, fv.VocabSize()) {
		if tok[0] != '{' {
			t.Fatalf("at start, %q allowed", tok)
		}
	}
	for _, s := range []string{"{", "}"} {
		c.Accept(fv.id(s))
	}
	if !c.Complete() || c.Failed() {
		t.Fatalf("complete %v failed %v", c.Complete(), c.Failed())
	}
	logits := make([]float32, fv.VocabSize())
	c.Mask(logits)
	var ids []int32
	for id, l := range logits {
		if !math.IsInf(float64(l), -1) {
			ids = append(ids, int32(id))
		}
	}
	if !slices.Equal(ids, stops) {
		t.Fatalf("complete: allowed %v, want the stops %v", ids, stops)
	}
	c.Accept(stops[1])
	if !c.Complete() || c.Failed() {
		t.Fatal("stop token not accepted")
	}
}

func TestConstraintTopLevelNumber(t *testing.T) {
	fv, stops := newFakeVocab()
	g, err := CompileSchema([]byte(`{"type":"integer"}`))
	if err != nil {
		t.Fatal(err)
	}
	c := NewConstraint(fv, g, stops)
	c.Accept(fv.id("12"))
	got := allowedTokens(t, c, fv.VocabSize())
	want := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "12", "345", "10", "00", "41", "<special>", "<special>"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("after 12: %q, want %q", got, want)
	}
}

func TestConstraintFailed(t *testing.T) {
	fv, stops := newFakeVocab()
	c := NewConstraint(fv, JSONObject(), stops)
	c.Accept(fv.id("[1"))
	if !c.Failed() || c.Complete() {
		t.Fatal("a disallowed token did not fail the constraint")
	}
	if got := allowedTokens(t, c, fv.VocabSize()); len(got) != len(stops) {
		t.Fatalf("after failure: %q allowed, want only the stops", got)
	}
	c = NewConstraint(fv, JSONObject(), stops)
	c.Accept(fv.id("{"))
	c.Accept(stops[0]) // a stop before the value is complete
	if !c.Failed() {
		t.Fatal("early stop did not fail")
	}
}

func TestConstraintConcurrent(t *testing.T) {
	fv, stops := newFakeVocab()
	g, err := CompileSchema([]byte(walkSchemas[2]))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			c := NewConstraint(fv, g, stops)
			logits := make([]float32, fv.VocabSize())
			for _, s := range []string{`{"`, "name", `":`, `"`, "hello"} {
				c.Mask(logits)
				c.Accept(fv.id(s))
			}
			if c.Failed() {
				t.Error("failed")
			}
		})
	}
	wg.Wait()
}
