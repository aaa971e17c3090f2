package grammar

// object compiles the object keywords of s. When properties or required
// name keys, the object is closed: its keys are exactly those names, each
// at most once (a required name missing from properties takes the
// additionalProperties schema). Otherwise keys are free strings whose
// values match additionalProperties (none at all when it is false).
func (c *compiler) object(s map[string]any, path string) (int32, error) {
	props := map[string]any{}
	if v, ok := s["properties"]; ok {
		if props, ok = v.(map[string]any); !ok {
			return 0, schemaErr(path, "properties", "must be an object")
		}
	}
	var required []string
	if v, ok := s["required"]; ok {
		a, ok := v.([]any)
		if !ok {
			return 0, schemaErr(path, "required", "must be an array of strings")
		}
		for _, r := range a {
			name, ok := r.(string)
			if !ok {
				return 0, schemaErr(path, "required", "must be an array of strings")
			}
			required = append(required, name)
		}
	}
	addl, ok := s["additionalProperties"]
	if !ok {
		addl = true
	}
	switch addl.(type) {
	case bool, map[string]any:
	default:
		return 0, schemaErr(path, "additionalProperties", "must be a schema")
	}
	n := newNode(kObject)
	if len(props) == 0 && len(required) == 0 {
		if addl != false {
			a, err := c.compile(addl, path+"/additionalProperties")
			if err != nil {
				return 0, err
			}
			n.addl = a
		}
		return c.add(n), nil
	}
	byQuoted := map[string]string{}
	var quoted []string
	for name := range props {
		byQuoted[canonical(name)] = name
	}
	for _, name := range required {
		byQuoted[canonical(name)] = name
	}
	for q := range byQuoted {
		quoted = append(quoted, q)
	}
	n.keys = newLitTrie(quoted)
	words := (len(n.keys.lits) + 63) / 64
	n.required = make([]uint64, words)
	isReq := map[string]bool{}
	for _, r := range required {
		isReq[r] = true
	}
	addlNode := int32(-1)
	for i, q := range n.keys.lits {
		name := byQuoted[q]
		var v int32
		var err error
		if ps, ok := props[name]; ok {
			v, err = c.compile(ps, path+"/properties/"+pointerEscape(name))
		} else if addl == false {
			return 0, schemaErr(path, "required", "property %q is neither in properties nor allowed by additionalProperties", name)
		} else {
			if addlNode < 0 {
				addlNode, err = c.compile(addl, path+"/additionalProperties")
			}
			v = addlNode
		}
		if err != nil {
			return 0, err
		}
		n.props = append(n.props, v)
		if isReq[name] {
			n.required[i/64] |= 1 << (i % 64)
		}
	}
	return c.add(n), nil
}
