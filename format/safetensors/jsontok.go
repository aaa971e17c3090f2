package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// This file holds streaming JSON helpers built on json.Decoder tokens. Unlike
// json.Unmarshal they see every object key, so duplicate keys (which
// encoding/json silently resolves to the last one) are reported as errors.

// newDecoder returns a decoder over b that yields numbers as json.Number.
func newDecoder(r io.Reader) *json.Decoder {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	return dec
}

// nextToken reads one token, turning a premature end of input into
// io.ErrUnexpectedEOF so that callers never mistake it for a clean end.
func nextToken(dec *json.Decoder, what string) (json.Token, error) {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%s: invalid JSON: %w", what, err)
	}
	return tok, nil
}

// describe names the JSON type of the value that tok starts, for errors.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		if v == '{' {
			return "an object"
		}
		return fmt.Sprintf("%q", string(v))
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

// isDelim reports whether tok is the delimiter d.
func isDelim(tok json.Token, d json.Delim) bool {
	v, ok := tok.(json.Delim)
	return ok && v == d
}

// members reads the members of a JSON object whose '{' has already been
// consumed, up to and including its '}'. For each member it calls fn with the
// key; fn must consume exactly the member's value. A key seen twice is an
// error naming it; keyKind says what the keys are ("tensor name", "field").
func members(dec *json.Decoder, what, keyKind string, fn func(key string) error) error {
	seen := make(map[string]struct{})
	for dec.More() {
		tok, err := nextToken(dec, what)
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("%s: object key is %s, not a string", what, describe(tok))
		}
		if _, dup := seen[key]; dup {
			return fmt.Errorf("%s: duplicate %s %q", what, keyKind, key)
		}
		seen[key] = struct{}{}
		if err := fn(key); err != nil {
			return err
		}
	}
	tok, err := nextToken(dec, what)
	if err != nil {
		return err
	}
	if !isDelim(tok, '}') {
		return fmt.Errorf("%s: invalid JSON: unexpected %s in object", what, describe(tok))
	}
	return nil
}

// object reads one value that must be a JSON object and walks its members
// with fn as members does.
func object(dec *json.Decoder, what, keyKind string, fn func(key string) error) error {
	tok, err := nextToken(dec, what)
	if err != nil {
		return err
	}
	if !isDelim(tok, '{') {
		return fmt.Errorf("%s is %s, not an object", what, describe(tok))
	}
	return members(dec, what, keyKind, fn)
}

// stringValue reads one value that must be a JSON string.
func stringValue(dec *json.Decoder, what string) (string, error) {
	tok, err := nextToken(dec, what)
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("%s is %s, not a string", what, describe(tok))
	}
	return s, nil
}

// intArray reads one value that must be a JSON array of integers that fit in
// int64. It allocates no more than the input's size justifies.
func intArray(dec *json.Decoder, what string) ([]int64, error) {
	tok, err := nextToken(dec, what)
	if err != nil {
		return nil, err
	}
	if !isDelim(tok, '[') {
		return nil, fmt.Errorf("%s is %s, not an array of integers", what, describe(tok))
	}
	out := []int64{}
	for dec.More() {
		tok, err := nextToken(dec, what)
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s: element %d is %s, not an integer", what, len(out), describe(tok))
		}
		v, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, fmt.Errorf("%s: element %d (%s) is out of range", what, len(out), num)
			}
			return nil, fmt.Errorf("%s: element %d (%s) is not an integer", what, len(out), num)
		}
		out = append(out, v)
	}
	tok, err = nextToken(dec, what)
	if err != nil {
		return nil, err
	}
	if !isDelim(tok, ']') {
		return nil, fmt.Errorf("%s: invalid JSON: unexpected %s in array", what, describe(tok))
	}
	return out, nil
}

// skipValue reads and discards one JSON value of any type.
func skipValue(dec *json.Decoder, what string) error {
	var discard json.RawMessage
	if err := dec.Decode(&discard); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("%s: invalid JSON: %w", what, err)
	}
	return nil
}

// expectEnd checks that only whitespace follows the value just read.
func expectEnd(dec *json.Decoder, what string) error {
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: invalid JSON after the top-level object: %w", what, err)
	}
	return fmt.Errorf("%s: unexpected %s after the top-level object", what, describe(tok))
}
