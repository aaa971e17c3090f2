package nn

// attnLayout is the packed layout of attention rows: B rows of T tokens,
// each token H query heads (q, out and their gradients: [N, H·d]) and Hkv
// KV heads (k, v and their gradients: [N, Hkv·d]) of d elements; the G =
// H/Hkv query heads h with h/G = g share KV head g.
type attnLayout struct {
	B, T, H, Hkv, d int
	G, qd, kd       int
}

func newAttnLayout(B, T, H, Hkv, d int) attnLayout {
	return attnLayout{B: B, T: T, H: H, Hkv: Hkv, d: d, G: H / Hkv, qd: H * d, kd: Hkv * d}
}

// q is the offset of query head h of token t of row b.
func (l attnLayout) q(b, t, h int) int { return (b*l.T+t)*l.qd + h*l.d }

// kv is the offset of KV head g of token j of row b.
func (l attnLayout) kv(b, j, g int) int { return (b*l.T+j)*l.kd + g*l.d }

// eachQueryHead runs fn for every (row b, query head h), with h's KV head
// g and a scratch buffer of scr, in parallel.
func eachQueryHead[F Float](l attnLayout, scr [][]F, fn func(sc []F, b, h, g int)) {
	ForEachScratch(scr, l.B*l.H, func(sc []F, u int) {
		b, h := u/l.H, u%l.H
		fn(sc, b, h, h/l.G)
	})
}

// eachKVHead runs fn for every (row b, KV head g), with a scratch buffer
// of scr, in parallel, after clearing the dk and dv rows of (b, g): each
// task owns the rows it accumulates into, so the result does not depend on
// the thread count.
func eachKVHead[F Float](l attnLayout, dk, dv []F, scr [][]F, fn func(sc []F, b, g int)) {
	ForEachScratch(scr, l.B*l.Hkv, func(sc []F, u int) {
		b, g := u/l.Hkv, u%l.Hkv
		for t := 0; t < l.T; t++ {
			o := l.kv(b, t, g)
			clear(dk[o : o+l.d])
			clear(dv[o : o+l.d])
		}
		fn(sc, b, g)
	})
}
