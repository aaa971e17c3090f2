package grammar

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/grammar/strdfa"
)

// typeNames are the JSON Schema type names, in the order unions list them.
var typeNames = []string{"object", "array", "string", "number", "integer", "boolean", "null"}

// typeList returns the types of s's "type" keyword and whether it has one.
func typeList(s map[string]any, path string) (map[string]bool, bool, error) {
	v, ok := s["type"]
	if !ok {
		return nil, false, nil
	}
	var names []any
	switch t := v.(type) {
	case string:
		names = []any{t}
	case []any:
		names = t
	}
	if len(names) == 0 {
		return nil, false, schemaErr(path, "type", "must be a type name or a non-empty array of them")
	}
	set := map[string]bool{}
	for _, n := range names {
		name, _ := n.(string)
		known := false
		for _, k := range typeNames {
			known = known || k == name
		}
		if !known {
			return nil, false, schemaErr(path, "type", "unknown type %v", n)
		}
		set[name] = true
	}
	return set, true, nil
}

// hasAny reports whether s has one of kws.
func hasAny(s map[string]any, kws []string) bool {
	for _, k := range kws {
		if _, ok := s[k]; ok {
			return true
		}
	}
	return false
}

// typed compiles a schema by its types (given, or implied by its keywords).
func (c *compiler) typed(s map[string]any, path string) (int32, error) {
	types, has, err := typeList(s, path)
	if err != nil {
		return 0, err
	}
	if !has {
		types = map[string]bool{
			"object": hasAny(s, objectKeywords),
			"array":  hasAny(s, arrayKeywords),
			"string": hasAny(s, stringKeywords),
			"number": hasAny(s, numberKeywords),
		}
		if !types["object"] && !types["array"] && !types["string"] && !types["number"] {
			return c.anyValue(), nil
		}
	}
	var alts []int32
	for _, t := range typeNames {
		if !types[t] {
			continue
		}
		var n int32
		var err error
		switch t {
		case "object":
			n, err = c.object(s, path)
		case "array":
			n, err = c.array(s, path)
		case "string":
			n, err = c.str(s, path)
		case "number":
			nd := newNode(kNumber)
			nd.num, err = numKeywords(s, path, false)
			n = c.add(nd)
		case "integer":
			if types["number"] {
				continue // contained in number
			}
			nd := newNode(kInteger)
			nd.num, err = numKeywords(s, path, true)
			n = c.add(nd)
		case "boolean", "null":
			lit := newNode(kLiteral)
			lit.lits = newLitTrie([]string{"true", "false"})
			if t == "null" {
				lit.lits = newLitTrie([]string{"null"})
			}
			n = c.add(lit)
		}
		if err != nil {
			return 0, err
		}
		alts = append(alts, n)
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	u := newNode(kUnion)
	u.alts = alts
	return c.add(u), nil
}

// count reads a non-negative integer keyword; def when absent.
func count(s map[string]any, kw, path string, def int) (int, error) {
	v, ok := s[kw]
	if !ok {
		return def, nil
	}
	if n, ok := v.(json.Number); ok {
		if i, err := strconv.ParseInt(string(n), 10, 32); err == nil && i >= 0 {
			return int(i), nil
		}
		if f, ok := new(big.Float).SetString(string(n)); ok && f.IsInt() && f.Sign() >= 0 {
			if i, acc := f.Int64(); acc == big.Exact && i <= 1<<31-1 {
				return int(i), nil
			}
		}
	}
	return 0, schemaErr(path, kw, "must be a non-negative integer below 2^31")
}

// str compiles the string keywords of s.
func (c *compiler) str(s map[string]any, path string) (int32, error) {
	n := newNode(kString)
	var err error
	if n.minLen, err = count(s, "minLength", path, 0); err != nil {
		return 0, err
	}
	if n.maxLen, err = count(s, "maxLength", path, -1); err != nil {
		return 0, err
	}
	var re *strdfa.Pattern
	kw := ""
	if v, ok := s["pattern"]; ok {
		src, ok := v.(string)
		if !ok {
			return 0, schemaErr(path, "pattern", "must be a string")
		}
		kw = "pattern"
		if re, err = strdfa.Parse(src); err != nil {
			return 0, schemaErr(path, kw, "%v", err)
		}
	}
	if v, ok := s["format"]; ok {
		name, _ := v.(string)
		fre, known := strdfa.Format(name)
		if !known {
			return 0, schemaErr(path, "format", "unsupported format %q (supported: %s)", v, strings.Join(strdfa.FormatNames(), ", "))
		}
		if re != nil {
			return 0, schemaErr(path, "format", "unsupported beside pattern")
		}
		kw, re = "format", fre
	}
	if re != nil {
		if n.re, err = re.Compile(n.minLen, n.maxLen); err != nil {
			return 0, schemaErr(path, kw, "%v", err)
		}
	}
	return c.add(n), nil
}
