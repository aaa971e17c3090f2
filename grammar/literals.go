package grammar

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strings"
)

// canonical returns the compact JSON text of v (keys sorted, no HTML
// escaping), the form in which enum values and keys are generated.
func canonical(v any) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		panic(err) // v came from the JSON decoder
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// literals compiles enum and const (filtered by "type", if given).
func (c *compiler) literals(s map[string]any, path string) (int32, error) {
	if o := sibling(s, "enum", "const", "type"); o != "" {
		return 0, schemaErr(path, o, "unsupported beside enum or const")
	}
	types, hasType, err := typeList(s, path)
	if err != nil {
		return 0, err
	}
	var vals []any
	kw := "const"
	if e, ok := s["enum"]; ok {
		kw = "enum"
		a, ok := e.([]any)
		if !ok || len(a) == 0 {
			return 0, schemaErr(path, "enum", "must be a non-empty array")
		}
		vals = a
	}
	if cv, ok := s["const"]; ok {
		if kw == "enum" {
			want := canonical(cv)
			var keep []any
			for _, v := range vals {
				if canonical(v) == want {
					keep = append(keep, v)
				}
			}
			vals = keep
		} else {
			vals = []any{cv}
		}
	}
	var lits []string
	seen := map[string]bool{}
	for _, v := range vals {
		// Values equal as JSON (1 and 1.0) are generated once, so that
		// uniqueItems can tell items apart by their text.
		if key := canonical(numNorm(v)); !seen[key] && (!hasType || matchesType(v, types)) {
			seen[key] = true
			lits = append(lits, canonical(v))
		}
	}
	if len(lits) == 0 {
		return 0, schemaErr(path, kw, "no value is allowed by the schema's other keywords")
	}
	n := newNode(kLiteral)
	n.lits = newLitTrie(lits)
	return c.add(n), nil
}

// matchesType reports whether the decoded JSON value v has one of types.
func matchesType(v any, types map[string]bool) bool {
	switch x := v.(type) {
	case nil:
		return types["null"]
	case bool:
		return types["boolean"]
	case string:
		return types["string"]
	case []any:
		return types["array"]
	case map[string]any:
		return types["object"]
	case json.Number:
		if types["number"] {
			return true
		}
		f, ok := new(big.Float).SetString(string(x))
		return ok && types["integer"] && f.IsInt()
	}
	return false
}

// numNorm returns v with every number in one exact form (see parseDecimal).
func numNorm(v any) any {
	switch x := v.(type) {
	case json.Number:
		d, ok := parseDecimal(string(x))
		if !ok {
			return x
		}
		t := d.int
		if d.frac != "" {
			t += "." + d.frac
		}
		if d.neg {
			t = "-" + t
		}
		return json.Number(t)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = numNorm(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = numNorm(e)
		}
		return out
	}
	return v
}
