package chat

import (
	"strings"
	"testing"
)

// BenchmarkStreamLongArgument streams a call with a 20 kB string argument
// four bytes at a time: the work per push must not grow with what came
// before it (strings are read on from where the last push left them).
func BenchmarkStreamLongArgument(b *testing.B) {
	x := NewExtractorNames(declaredTools, ExtractOptions{})
	text := `{"name": "search", "arguments": "{\"q\": \"` + strings.Repeat("abc déf\\\\n", 2000) + `\"}"}`
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		s := x.Stream()
		for i := 0; i < len(text); i += 4 {
			s.Push(text[i:min(i+4, len(text))])
		}
		s.Finish()
	}
}
