package chat

import (
	"encoding/json"
	"testing"

	"github.com/herd-llm/herd/internal/wanterr"
)

func TestDecodeContent(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		text    string
		given   bool
		nonText int
		err     string
	}{
		{`"Hi"`, "Hi", true, -1, ""},
		{` "" `, "", true, -1, ""},
		{`[{"type":"text","text":"a"},{"type":"text","text":"b"}]`, "ab", true, -1, ""},
		{`[{"type":"text","text":"look: "},{"type":"image_url","image_url":{"url":"x"}},{"type":"text"}]`, "look: ", true, 1, ""},
		{`[]`, "", true, -1, ""},
		{`null`, "", false, -1, ""},
		{``, "", false, -1, ""},
		{`7`, "", false, -1, "content 7 is neither a string nor a list of text parts"},
		{`[1]`, "", false, -1, "neither a string nor a list"},
		{`{"text":"a"}`, "", false, -1, "neither a string nor a list"},
	} {
		c, err := DecodeContent(json.RawMessage(tc.raw))
		if wanterr.Case(t, "DecodeContent("+tc.raw+")", err, tc.err) {
			continue
		}
		if c.Text != tc.text || c.Given != tc.given || c.NonText() != tc.nonText {
			t.Errorf("DecodeContent(%s) = %+v (first non-text part %d), want %q given %v non-text %d", tc.raw, c, c.NonText(), tc.text, tc.given, tc.nonText)
		}
	}
}
