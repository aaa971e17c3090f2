package nn

// Docs marks the documents packed into the rows of an attention call: a
// query sees only keys of its own document, and chunked layers count their
// chunks from the document's start (positions restart at each document, as
// when the documents run one at a time). Start[n] and End[n] are the
// positions, within token n's row, where its document begins and ends
// (exclusive). The zero Docs makes each row one document.
type Docs struct {
	Start, End []int32 // [N] each, or nil
}

// Mark sets d to the documents of B rows of T tokens that begin at the
// tokens n with mark(n) true (and at each row's start), reusing d's slices
// when they have the length B·T.
func (d *Docs) Mark(B, T int, mark func(n int) bool) {
	if len(d.Start) != B*T || len(d.End) != B*T {
		d.Start, d.End = make([]int32, B*T), make([]int32, B*T)
	}
	for b := 0; b < B; b++ {
		s := 0
		for t := 0; t < T; t++ {
			if t > 0 && mark(b*T+t) {
				s = t
			}
			d.Start[b*T+t] = int32(s)
		}
		e := T
		for t := T - 1; t >= 0; t-- {
			d.End[b*T+t] = int32(e)
			if int(d.Start[b*T+t]) == t {
				e = t
			}
		}
	}
}

// Pos is the position of token t of row b within its document.
func (d Docs) Pos(b, T, t int) int {
	if d.Start == nil {
		return t
	}
	return t - int(d.Start[b*T+t])
}

// lo is the first key that query t of row b sees.
func (d Docs) lo(b, T, t, chunk int) int {
	s := 0
	if d.Start != nil {
		s = int(d.Start[b*T+t])
	}
	return s + AttnSpan(t-s, chunk)
}

// hi is one past the last query of row b that sees key j.
func (d Docs) hi(b, T, j, chunk int) int {
	s, e := 0, T
	if d.Start != nil {
		s, e = int(d.Start[b*T+j]), int(d.End[b*T+j])
	}
	if chunk > 0 {
		e = min(e, s+((j-s)/chunk+1)*chunk)
	}
	return e
}
