package grammar

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// CompileSchema compiles a JSON Schema (the "schema" of an OpenAI
// response_format json_schema) to a Grammar. Supported: type (a name or a
// list), properties, required, additionalProperties, items, prefixItems,
// additionalItems, minItems, maxItems, uniqueItems (see below), minLength,
// maxLength, pattern (see package strdfa for the subset), format (date, time,
// date-time, uuid, email, ipv4, ipv6, uri, hostname), minimum, maximum,
// exclusiveMinimum, exclusiveMaximum (numbers or the draft-4 booleans),
// multipleOf, enum, const, anyOf, a one-element allOf, and $ref to local
// JSON pointers ("#", "#/$defs/x", "#/definitions/x", recursion included).
// Annotations (title, description, default, examples, $schema, ...) and
// unknown keywords are ignored. Keywords it cannot enforce (oneOf, not,
// patternProperties, an unknown format, a pattern with a backreference or
// lookaround, ...) give a *SchemaError naming the keyword, as do invalid
// schemas and schemas no finite JSON value satisfies.
//
// Numeric keywords are enforced exactly, by an automaton over the digits:
// a number so constrained is written without exponent (at most
// MaxIntDigits and MaxFracDigits digits); multipleOf must be m×10^-s with
// m ≤ 1000000. uniqueItems true is enforced when every item is an enum,
// const, boolean or null (the array remembers which were written) and
// refused otherwise; enum values equal as numbers (1, 1.0) are generated
// once. pattern and format compile to a byte automaton over the string's
// JSON text, combined exactly with minLength and maxLength.
//
// Outputs are a subset of the schema's instances: an object schema that
// lists properties (or required names) admits only those keys even when
// additionalProperties would allow others; a schema without "type" but with
// object (array, string, number) keywords admits only objects (arrays,
// strings, numbers).
func CompileSchema(schema []byte) (*Grammar, error) {
	dec := json.NewDecoder(bytes.NewReader(schema))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, schemaErr("#", "", "invalid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, schemaErr("#", "", "invalid JSON: data after the schema")
	}
	c := newCompiler(doc)
	root, err := c.compile(doc, "#")
	if err != nil {
		return nil, err
	}
	return c.finish(root)
}

// compiler turns a decoded schema document into nodes.
type compiler struct {
	doc   any
	nodes []node
	refs  map[string]int32 // $ref → its node
	any   int32            // the node of any value, or -1
}

func newCompiler(doc any) *compiler {
	return &compiler{doc: doc, refs: map[string]int32{}, any: -1}
}

// newNode returns a node of kind k with no limits.
func newNode(k kind) node {
	return node{kind: k, addl: -1, items: -1, maxItems: -1, maxLen: -1}
}

func (c *compiler) add(n node) int32 {
	c.nodes = append(c.nodes, n)
	return int32(len(c.nodes) - 1)
}

// anyValue returns the node of any JSON value.
func (c *compiler) anyValue() int32 {
	if c.any >= 0 {
		return c.any
	}
	u := c.add(newNode(kUnion))
	c.any = u
	obj := newNode(kObject)
	obj.addl = u
	arr := newNode(kArray)
	arr.items = u
	lit := newNode(kLiteral)
	lit.lits = newLitTrie([]string{"true", "false", "null"})
	alts := []int32{c.add(obj), c.add(arr), c.add(newNode(kString)), c.add(newNode(kNumber)), c.add(lit)}
	c.nodes[u].alts = alts
	return u
}

// compile compiles the subschema s found at path.
func (c *compiler) compile(s any, path string) (int32, error) {
	switch v := s.(type) {
	case bool:
		if v {
			return c.anyValue(), nil
		}
		return c.add(newNode(kNever)), nil
	case map[string]any:
		return c.compileMap(v, path)
	}
	return 0, schemaErr(path, "", "a schema must be an object or a boolean")
}

// sibling returns the first constraining keyword of s that is not kw and
// not in allowed, or "".
func sibling(s map[string]any, kw string, allowed ...string) string {
outer:
	for _, k := range slices.Sorted(maps.Keys(s)) {
		if k == kw || !constraining(k) {
			continue
		}
		for _, a := range allowed {
			if k == a {
				continue outer
			}
		}
		return k
	}
	return ""
}

func (c *compiler) compileMap(s map[string]any, path string) (int32, error) {
	for _, k := range slices.Sorted(maps.Keys(s)) {
		if !unsupported[k] {
			continue
		}
		if a, ok := s[k].([]any); k == "allOf" && ok && len(a) == 1 {
			continue
		}
		return 0, schemaErr(path, k, "unsupported keyword")
	}
	for _, kw := range []string{"$ref", "allOf", "anyOf"} {
		v, ok := s[kw]
		if !ok {
			continue
		}
		if o := sibling(s, kw); o != "" {
			return 0, schemaErr(path, o, "unsupported beside %q", kw)
		}
		switch kw {
		case "$ref":
			ref, ok := v.(string)
			if !ok {
				return 0, schemaErr(path, kw, "must be a string")
			}
			return c.ref(ref, path)
		case "allOf":
			return c.compile(v.([]any)[0], path+"/allOf/0")
		default:
			a, ok := v.([]any)
			if !ok || len(a) == 0 {
				return 0, schemaErr(path, kw, "must be a non-empty array")
			}
			u := newNode(kUnion)
			for i, alt := range a {
				n, err := c.compile(alt, path+"/anyOf/"+strconv.Itoa(i))
				if err != nil {
					return 0, err
				}
				u.alts = append(u.alts, n)
			}
			return c.add(u), nil
		}
	}
	_, isEnum := s["enum"]
	_, isConst := s["const"]
	if isEnum || isConst {
		return c.literals(s, path)
	}
	return c.typed(s, path)
}

// ref compiles a $ref to a local JSON pointer; the node is shared by every
// reference to the same pointer, which makes recursive schemas finite.
func (c *compiler) ref(ref, path string) (int32, error) {
	if n, ok := c.refs[ref]; ok {
		return n, nil
	}
	if !strings.HasPrefix(ref, "#") {
		return 0, schemaErr(path, "$ref", "%q: only local references (#/...) are supported", ref)
	}
	target, ok := resolvePointer(c.doc, ref[1:])
	if !ok {
		return 0, schemaErr(path, "$ref", "%q: no such subschema", ref)
	}
	alias := c.add(newNode(kUnion))
	c.refs[ref] = alias
	n, err := c.compile(target, ref)
	if err != nil {
		return 0, err
	}
	c.nodes[alias].alts = []int32{n}
	return alias, nil
}
