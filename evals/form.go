package evals

import (
	"fmt"
	"strings"
)

// Form is how a NIAH prompt hides its key and asks for it.
type Form string

const (
	// FormNeedle hides the sentence "The secret key is NNNNN." (five random
	// digits) in filler text and ends with "What is the secret key? The
	// secret key is": the answer is the digits. For models that follow text.
	FormNeedle Form = "needle"
	// FormKV fills the haystack with "key: value" lines (random six-letter
	// keys, five-digit values), one of which is the needle, and ends with
	// the needle's "key:": the answer is its value. Key-value retrieval is
	// solved by copying, which small trained models learn.
	FormKV Form = "kv"
	// FormIDs needs no tokenizer: the haystack is random token ids, the
	// needle four key ids then four value ids, and the prompt ends with the
	// key ids again: the answer is the value ids.
	FormIDs Form = "ids"
	// FormWords is plain induction: the haystack is "key value" lines of
	// two words from a fixed list of 64 short words (evals.Words), one of
	// which is the needle, and the prompt ends with the needle's key on a
	// line of its own: the answer is its value. With a BPE that keeps each
	// word one token (" value" with its space as well), the answer is the
	// token that followed the last one earlier: what a previous-token head
	// and an induction head compute, the easiest retrieval to learn.
	FormWords Form = "words"
)

// Forms lists the prompt forms.
var Forms = []Form{FormNeedle, FormKV, FormIDs, FormWords}

// ParseForm reads a form's name.
func ParseForm(s string) (Form, error) {
	for _, f := range Forms {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Forms))
	for i, f := range Forms {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown prompt form %q (want %s)", s, strings.Join(names, ", "))
}
