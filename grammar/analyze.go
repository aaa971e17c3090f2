package grammar

// finish resolves unions, finds which nodes admit a finite value and makes
// the rest unreachable, so that every state the automaton can reach can be
// completed.
func (c *compiler) finish(root int32) (*Grammar, error) {
	nodes := c.nodes
	for i := range nodes {
		if nodes[i].kind == kUnion {
			nodes[i].flat = flatten(nodes, int32(i))
		}
	}
	for changed := true; changed; {
		changed = false
		for i := range nodes {
			if !nodes[i].finite && hasFinite(nodes, &nodes[i]) {
				nodes[i].finite = true
				changed = true
			}
		}
	}
	for i := range nodes {
		n := &nodes[i]
		if n.kind != kObject || n.keys == nil {
			continue
		}
		n.initUsed = make([]uint64, len(n.required))
		for p, v := range n.props {
			if !nodes[v].finite {
				n.initUsed[p/64] |= 1 << (p % 64)
			}
		}
	}
	if !nodes[root].finite {
		return nil, schemaErr("#", "", "no finite JSON value satisfies the schema")
	}
	return &Grammar{nodes: nodes, root: root}, nil
}

// flatten returns the non-union nodes that union u reaches through alts.
func flatten(nodes []node, u int32) []int32 {
	seen := map[int32]bool{u: true}
	var out []int32
	var walk func(int32)
	walk = func(n int32) {
		for _, a := range nodes[n].alts {
			if seen[a] {
				continue
			}
			seen[a] = true
			if nodes[a].kind == kUnion {
				walk(a)
			} else {
				out = append(out, a)
			}
		}
	}
	walk(u)
	return out
}

// hasFinite reports whether n admits a finite value, given what is known of
// the other nodes so far (a step of the least fixpoint).
func hasFinite(nodes []node, n *node) bool {
	switch n.kind {
	case kNumber, kInteger:
		return n.num == nil || !n.num.empty
	case kLiteral:
		return true
	case kString:
		if n.re != nil {
			return n.re.Ok(0, 0)
		}
		return n.maxLen < 0 || n.minLen <= n.maxLen
	case kObject:
		for p, v := range n.props {
			if n.required[p/64]&(1<<(p%64)) != 0 && !nodes[v].finite {
				return false
			}
		}
		return true
	case kArray:
		if n.maxItems >= 0 && n.minItems > n.maxItems {
			return false
		}
		if n.unique && n.minItems > len(nodes[n.items].lits.lits) {
			return false
		}
		for i := 0; i < n.minItems && i <= len(n.prefix); i++ {
			it := n.item(int32(i))
			if it < 0 || !nodes[it].finite {
				return false
			}
		}
		return true
	case kUnion:
		for _, a := range n.flat {
			if nodes[a].finite {
				return true
			}
		}
	}
	return false
}
