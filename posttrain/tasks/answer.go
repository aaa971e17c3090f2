package tasks

import (
	"math/big"
	"regexp"
	"strings"
)

// answerTag finds <answer>…</answer> spans (TinyZero's format).
var answerTag = regexp.MustCompile(`(?s)<answer>(.*?)</answer>`)

// lastAnswerTag returns the text of the last <answer>…</answer> in s.
func lastAnswerTag(s string) (string, bool) {
	m := answerTag.FindAllStringSubmatch(s, -1)
	if len(m) == 0 {
		return "", false
	}
	return m[len(m)-1][1], true
}

// parseIntAnswer reads a final integer answer: the text of the last
// <answer>…</answer> when there is one, else the whole content; surrounding
// spaces and one trailing "." are ignored, and the rest must be an integer
// (optional sign, digits only: no separators, no decimals).
func parseIntAnswer(content string) (*big.Int, bool) {
	s, ok := lastAnswerTag(content)
	if !ok {
		s = content
	}
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	digits := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if digits == "" || len(digits) > 200 {
		return nil, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, false
		}
	}
	v, ok := new(big.Int).SetString(s, 10)
	return v, ok
}
