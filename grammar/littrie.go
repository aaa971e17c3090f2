package grammar

import "sort"

// litTrie is a byte trie of a set of literal strings (enum values, object
// keys, true/false/null), each the exact bytes that must be generated.
// Node 0 is the root. The literals are sorted, so the literals below a node
// are a contiguous range [lo, hi) of indices into the sorted set.
type litTrie struct {
	lits  []string // sorted, unique
	edges []int32  // node i's children are edges[first[i]:first[i+1]]
	first []int32
	label []byte  // the byte leading into node i
	term  []int32 // the literal ending at node i, or -1
	lo    []int32
	hi    []int32
}

// newLitTrie builds the trie of lits (duplicates are dropped).
func newLitTrie(lits []string) *litTrie {
	s := append([]string(nil), lits...)
	sort.Strings(s)
	u := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			u = append(u, x)
		}
	}
	t := &litTrie{lits: u}
	// Build breadth-first so that each node's children get consecutive edges.
	type item struct {
		depth  int
		lo, hi int
	}
	queue := []item{{0, 0, len(u)}}
	t.label = append(t.label, 0)
	for n := 0; n < len(queue); n++ {
		it := queue[n]
		t.lo = append(t.lo, int32(it.lo))
		t.hi = append(t.hi, int32(it.hi))
		term := int32(-1)
		t.first = append(t.first, int32(len(t.edges)))
		for i := it.lo; i < it.hi; {
			if len(u[i]) == it.depth {
				term = int32(i)
				i++
				continue
			}
			b := u[i][it.depth]
			j := i + 1
			for j < it.hi && len(u[j]) > it.depth && u[j][it.depth] == b {
				j++
			}
			t.edges = append(t.edges, int32(len(queue)))
			t.label = append(t.label, b)
			queue = append(queue, item{it.depth + 1, i, j})
			i = j
		}
		t.term = append(t.term, term)
	}
	t.first = append(t.first, int32(len(t.edges)))
	return t
}

// child returns the child of node n by byte b, or -1.
func (t *litTrie) child(n int32, b byte) int32 {
	for _, c := range t.edges[t.first[n]:t.first[n+1]] {
		if t.label[c] == b {
			return c
		}
	}
	return -1
}

// leaf reports whether node n has no children.
func (t *litTrie) leaf(n int32) bool { return t.first[n] == t.first[n+1] }
