package chat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Content is an OpenAI message's "content" read as text (DecodeContent).
type Content struct {
	Text  string        // the string, or the text parts' text joined in order
	Given bool          // a string or a list of parts, not null or absent
	Parts []ContentPart // the list's parts in order (nil for a string)
}

// ContentPart is one part of a list-form content: its type ("text",
// "image_url", …) and, for a text part, its text ("" when absent).
type ContentPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// NonText is the index of c's first part that is not text (an image),
// -1 when there is none.
func (c *Content) NonText() int {
	for i, p := range c.Parts {
		if p.Type != "text" {
			return i
		}
	}
	return -1
}

// DecodeContent decodes raw, an OpenAI message's "content": a JSON string,
// or a list of parts ({"type": "text", "text": "…"}, {"type": "image_url",
// …}) whose text parts it joins. Parts of other types are left out of
// Text, for the caller to refuse or to read another way (NonText). null or
// absent content is none (Given false). Content of another shape is an
// error that shows it.
func DecodeContent(raw json.RawMessage) (Content, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return Content{}, nil
	}
	c := Content{Given: true}
	var err error
	if raw[0] == '"' {
		err = json.Unmarshal(raw, &c.Text)
	} else if err = json.Unmarshal(raw, &c.Parts); err == nil {
		var sb strings.Builder
		for _, p := range c.Parts {
			if p.Type == "text" {
				sb.WriteString(p.Text)
			}
		}
		c.Text = sb.String()
	}
	if err != nil {
		return Content{}, fmt.Errorf("content %.40s is neither a string nor a list of text parts", raw)
	}
	return c, nil
}
