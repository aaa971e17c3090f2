package promptguard

// WeightBytes is the memory m's weights take: every matrix, bias,
// embedding and norm, held as float32.
func (m *Model) WeightBytes() int64 {
	n := len(m.word) + len(m.pos) + len(m.typ) + len(m.rel) + m.embNorm.size() + m.relNorm.size() + m.pooler.size() + m.cls.size()
	for i := range m.layers {
		l := &m.layers[i]
		n += l.q.size() + l.k.size() + l.v.size() + l.o.size() + l.posK.size() + l.posQ.size() +
			l.attnNorm.size() + l.inter.size() + l.out.size() + l.outNorm.size()
	}
	return 4 * int64(n)
}

func (l *linear) size() int { return len(l.W) + len(l.B) }

func (n norm) size() int { return len(n.W) + len(n.B) }

// ScratchBytes is the activation memory of one forward pass (Logits) over
// t tokens, in bytes: with H the width, I the MLP width and R = 2·span the
// relative positions, the largest live set is an encoder layer's,
//
//	4 · (7·t·H + t·I + 2·t² + 2·t·R + 3·R·H) + 8·t²
//
// (the input, q, k, v, the context, the attention output and the layer's
// output, t·H each; the MLP's t·I; the scores and probabilities, t² each;
// the content-to-position and position-to-content scores, t·R each; the
// normalised relative embeddings and their two projections, R·H each;
// the bucketed relative positions, t² ints).
func (m *Model) ScratchBytes(t int) int64 {
	c := m.Config
	T, H, I, R := int64(t), int64(c.Hidden), int64(c.Intermediate), int64(2*c.span())
	return 4*(7*T*H+T*I+2*T*T+2*T*R+3*R*H) + 8*T*T
}

// ScratchBytes is the scratch of one window's pass (Window tokens,
// default 512): windows run one at a time.
func (c *Classifier) ScratchBytes() int64 { return c.Model.ScratchBytes(c.window()) }

// Bytes is the memory c holds while it classifies: its model's weights and
// one window's scratch.
func (c *Classifier) Bytes() int64 { return c.Model.WeightBytes() + c.ScratchBytes() }
