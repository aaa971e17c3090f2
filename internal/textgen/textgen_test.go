package textgen

import (
	"slices"
	"testing"

	"github.com/herd-llm/herd/embedded"
)

// TestEncodePrompt: a text prompt gets exactly one <|begin_of_text|>; the
// chat form wraps it in a user turn after the system prompt.
func TestEncodePrompt(t *testing.T) {
	m, tok, err := embedded.Load()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	plain := tok.Encode("ROMEO:", false)
	for _, text := range []string{"ROMEO:", "<|begin_of_text|>ROMEO:"} {
		got, err := EncodePrompt(tok, text, false, "", nil, 0)
		if want := append([]int32{tok.BOS()}, plain...); err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: %v %v, want %v", text, got, err, want)
		}
	}
	bare, err := EncodePrompt(tok, "ROMEO:", true, "", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	sys, err := EncodePrompt(tok, "ROMEO:", true, "Answer in verse.", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(sys) <= len(bare) || !slices.Equal(sys[len(sys)-len(plain)-8:], bare[len(bare)-len(plain)-8:]) {
		t.Errorf("chat with a system prompt %v does not end as without one %v", sys, bare)
	}
}
