package grammar

import "strconv"

// array compiles the array keywords of s.
func (c *compiler) array(s map[string]any, path string) (int32, error) {
	n := newNode(kArray)
	rest, restPath := any(true), path
	if v, ok := s["prefixItems"]; ok {
		a, ok := v.([]any)
		if !ok {
			return 0, schemaErr(path, "prefixItems", "must be an array of schemas")
		}
		var err error
		if n.prefix, err = c.tuple(a, path+"/prefixItems/"); err != nil {
			return 0, err
		}
	}
	if v, ok := s["items"]; ok {
		if a, ok := v.([]any); ok { // the tuple form of drafts 4 to 2019-09
			if n.prefix != nil {
				return 0, schemaErr(path, "items", "an array of schemas beside prefixItems")
			}
			var err error
			if n.prefix, err = c.tuple(a, path+"/items/"); err != nil {
				return 0, err
			}
			if ai, ok := s["additionalItems"]; ok {
				rest, restPath = ai, path+"/additionalItems"
			}
		} else {
			rest, restPath = v, path+"/items"
		}
	}
	it, err := c.compile(rest, restPath)
	if err != nil {
		return 0, err
	}
	n.items = it
	if n.minItems, err = count(s, "minItems", path, 0); err != nil {
		return 0, err
	}
	if n.maxItems, err = count(s, "maxItems", path, -1); err != nil {
		return 0, err
	}
	switch u := s["uniqueItems"]; u {
	case nil, false:
	case true:
		// Enforced where every item is one of a set of literals (enum,
		// const, boolean, null): the array marks the literals written.
		it := c.resolve(n.items)
		if n.prefix != nil || c.nodes[it].kind != kLiteral {
			return 0, schemaErr(path, "uniqueItems", "enforced only when every item is an enum, const, boolean or null")
		}
		n.items, n.unique = it, true
		n.initUsed = make([]uint64, (len(c.nodes[it].lits.lits)+63)/64)
	default:
		return 0, schemaErr(path, "uniqueItems", "must be a boolean")
	}
	return c.add(n), nil
}

// resolve follows the single-alternative unions of $ref and allOf to the
// node they stand for (a recursive reference still being compiled stays).
func (c *compiler) resolve(n int32) int32 {
	for i := 0; i < len(c.nodes) && c.nodes[n].kind == kUnion && len(c.nodes[n].alts) == 1; i++ {
		n = c.nodes[n].alts[0]
	}
	return n
}

// tuple compiles the schemas of a tuple keyword, the i-th at path prefix+i.
func (c *compiler) tuple(a []any, prefix string) ([]int32, error) {
	var ids []int32 // nil for an empty tuple, as callers test
	for i, it := range a {
		p, err := c.compile(it, prefix+strconv.Itoa(i))
		if err != nil {
			return nil, err
		}
		ids = append(ids, p)
	}
	return ids, nil
}
