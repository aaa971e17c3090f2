package chat

import "strings"

// closeJSON completes the JSON prefix that a cut-off call's arguments are:
// an open string is closed, a missing value becomes null, and open lists and
// objects are closed.
func closeJSON(prefix string) string {
	if prefix == "" {
		return "{}"
	}
	var stack []byte
	in, esc := false, false
	last := byte(0)
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		switch {
		case in:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				in = false
			}
		case c == '"':
			in = true
		case c == '{' || c == '[':
			stack = append(stack, c)
		case c == '}' || c == ']':
			stack = stack[:len(stack)-1]
		}
		if !in && c != ' ' {
			last = c
		}
	}
	var sb strings.Builder
	sb.WriteString(prefix)
	if in {
		sb.WriteByte('"')
		last = '"'
	}
	if last == ':' || last == ',' {
		sb.WriteString("null")
	}
	for i := len(stack) - 1; i >= 0; i-- {
		sb.WriteByte(map[byte]byte{'{': '}', '[': ']'}[stack[i]])
	}
	return sb.String()
}
