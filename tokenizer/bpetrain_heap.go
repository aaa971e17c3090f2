package tokenizer

// candEntry is a queued candidate with the count it had when queued; it is
// stale when the candidate's count has changed since.
type candEntry struct {
	count int64
	id    int32
}

// candHeap is a binary max-heap of candidates: the highest count first, the
// lexicographically smallest bytes among equal counts.
type candHeap []candEntry

// before reports whether a is popped before b.
func (a candEntry) before(b candEntry, cands []bpeCand) bool {
	if a.count != b.count {
		return a.count > b.count
	}
	return cands[a.id].s < cands[b.id].s
}

func (h *candHeap) push(e candEntry, cands []bpeCand) {
	*h = append(*h, e)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s[i].before(s[p], cands) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *candHeap) pop(cands []bpeCand) (candEntry, bool) {
	s := *h
	if len(s) == 0 {
		return candEntry{}, false
	}
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && s[l].before(s[m], cands) {
			m = l
		}
		if l+1 < n && s[l+1].before(s[m], cands) {
			m = l + 1
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top, true
}
