package tokenizer

import (
	"container/heap"
	"math"
)

// noRank marks a pair whose concatenation is not a token.
const noRank = math.MaxInt32

// heapBPEMin is the piece length from which appendBPE switches from tiktoken's
// quadratic scan to the heap; long pieces are rare and the scan is faster for
// short ones.
const heapBPEMin = 256

// appendBPE appends the ids of a pre-token that is not itself a token: it is
// merged from single bytes, always merging the adjacent pair whose
// concatenation has the lowest rank, leftmost on ties. scratch is memory for
// the merge, returned for the next call.
func appendBPE(dst []int32, ranks *rankTable, piece string, scratch []bpePart) ([]int32, []bpePart) {
	if len(piece) >= heapBPEMin {
		return appendBPEHeap(dst, ranks, piece), scratch
	}
	return appendBPEScan(dst, ranks, piece, scratch)
}

// bpePart is a part of a piece during merging: where it starts, its id, and
// the rank of its concatenation with the next part.
type bpePart struct {
	start    int32
	id, rank int32
}

// appendBPEScan is tiktoken's _byte_pair_merge: a linear scan for the lowest
// pair rank, then an update of the two neighbouring pair ranks.
func appendBPEScan(dst []int32, ranks *rankTable, piece string, scratch []bpePart) ([]int32, []bpePart) {
	parts := scratch[:0]
	for i := range len(piece) {
		parts = append(parts, bpePart{int32(i), ranks.get(piece[i : i+1]), noRank})
	}
	for i := 0; i+1 < len(piece); i++ {
		parts[i].rank = ranks.get(piece[i : i+2])
	}
	parts = append(parts, bpePart{int32(len(piece)), noRank, noRank}) // sentinel end
	pairRank := func(i int) int32 {
		if i+2 < len(parts) {
			return ranks.get(piece[parts[i].start:parts[i+2].start])
		}
		return noRank
	}
	for {
		best, at := int32(noRank), -1
		for i, p := range parts[:len(parts)-1] {
			if p.rank < best {
				best, at = p.rank, i
			}
		}
		if at < 0 {
			break
		}
		parts[at].id = best
		parts = append(parts[:at+1], parts[at+2:]...)
		if at > 0 {
			parts[at-1].rank = pairRank(at - 1)
		}
		parts[at].rank = pairRank(at)
	}
	for _, p := range parts[:len(parts)-1] {
		dst = append(dst, p.id)
	}
	return dst, parts
}

// appendBPEHeap gives the same result as appendBPEScan in O(n log n): the
// parts form a linked list and candidate merges sit in a heap ordered by
// (rank, start), which picks the leftmost of equal ranks. Entries whose parts
// have changed since they were pushed are skipped when popped.
func appendBPEHeap(dst []int32, ranks *rankTable, piece string) []int32 {
	n := len(piece)
	next := make([]int, n) // start of the following part, n at the end
	prev := make([]int, n) // start of the preceding part, -1 at the start
	end := make([]int, n)  // end of the part starting here; 0 once merged away
	for i := range n {
		next[i], prev[i], end[i] = i+1, i-1, i+1
	}
	h := make(mergeHeap, 0, n)
	for i := 0; i+1 < n; i++ {
		if r := ranks.get(piece[i : i+2]); r != noRank {
			h = append(h, merge{r, i, i + 2})
		}
	}
	heap.Init(&h)
	for h.Len() > 0 {
		m := heap.Pop(&h).(merge)
		r := next[m.start]
		if end[m.start] == 0 || r >= n || end[r] != m.end {
			continue // stale: one side has been merged since
		}
		end[m.start], end[r] = m.end, 0
		next[m.start] = next[r]
		if next[r] < n {
			prev[next[r]] = m.start
		}
		if p := prev[m.start]; p >= 0 {
			if rk := ranks.get(piece[p:m.end]); rk != noRank {
				heap.Push(&h, merge{rk, p, m.end})
			}
		}
		if q := next[m.start]; q < n {
			if rk := ranks.get(piece[m.start:end[q]]); rk != noRank {
				heap.Push(&h, merge{rk, m.start, end[q]})
			}
		}
	}
	for i := 0; i < n; i = next[i] {
		dst = append(dst, ranks.get(piece[i:end[i]]))
	}
	return dst
}

// merge is a candidate: joining the part at start with its successor gives
// piece[start:end], whose rank is rank.
type merge struct {
	rank       int32
	start, end int
}

// mergeHeap orders candidates by rank, then by position.
type mergeHeap []merge

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(i, j int) bool {
	if h[i].rank != h[j].rank {
		return h[i].rank < h[j].rank
	}
	return h[i].start < h[j].start
}
func (h mergeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(merge)) }
func (h *mergeHeap) Pop() any {
	old := *h
	m := old[len(old)-1]
	*h = old[:len(old)-1]
	return m
}
