package grammar

import (
	"net/url"
	"strconv"
	"strings"
)

// resolvePointer follows a JSON pointer ("" or "/a/b", possibly
// percent-encoded) from doc.
func resolvePointer(doc any, ptr string) (any, bool) {
	ptr, err := url.PathUnescape(ptr)
	if err != nil {
		return nil, false
	}
	if ptr == "" {
		return doc, true
	}
	if ptr[0] != '/' {
		return nil, false
	}
	cur := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			var ok bool
			if cur, ok = v[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// pointerEscape escapes a property name for a JSON pointer.
func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
