package distill

import (
	"math"

	"github.com/herd-llm/herd/train/nn"
)

// Soft is the teacher's distribution at one position: the log-probabilities
// LogP (at temperature 1) of the tokens Idx, the teacher's top k, or, when
// Idx is nil, of every token of the vocabulary in order.
type Soft struct {
	Idx  []int32
	LogP []float32
}

// token is the vocabulary id of entry j.
func (s Soft) token(j int) int {
	if s.Idx == nil {
		return j
	}
	return int(s.Idx[j])
}

// norm returns the maximum m of LogP/τ and Σ_j exp(LogP_j/τ − m): the
// teacher distribution at temperature τ, renormalised over its entries, is
// p_j = exp(LogP_j/τ − m)/z.
func (s Soft) norm(tau float64) (m, z float64) {
	m = math.Inf(-1)
	for _, v := range s.LogP {
		m = math.Max(m, float64(v)/tau)
	}
	for _, v := range s.LogP {
		z += math.Exp(float64(v)/tau - m)
	}
	return m, z
}

// RowLoss returns the two terms of a position's loss (package doc) for
// student logits row and data label y: the hard cross-entropy
// −log softmax(row)[y] and KL(p_τ ‖ softmax(row/τ)), in nats, float64. The
// position's loss is (1−α)·nll + α·τ²·kl. row is unchanged.
func RowLoss[F nn.Float](row []F, y int32, s Soft, tau float64) (nll, kl float64) {
	m, s1, s2 := rowSums(row, tau)
	nll = m + math.Log(s1) - float64(row[y])
	return nll, rowKL(row, s, m, math.Log(s2), tau)
}

// rowSums returns the row's maximum m, Σ exp(row−m) and Σ exp((row−m)/τ).
func rowSums[F nn.Float](row []F, tau float64) (m, s1, s2 float64) {
	m = nn.RowMax(row)
	for _, v := range row {
		d := float64(v) - m
		s1 += math.Exp(d)
		s2 += math.Exp(d / tau)
	}
	return m, s1, s2
}

// rowKL is KL(p_τ ‖ softmax(row/τ)) given the row's maximum m and
// log Σ exp((row−m)/τ).
func rowKL[F nn.Float](row []F, s Soft, m, logS2, tau float64) float64 {
	mt, zt := s.norm(tau)
	logZt := math.Log(zt)
	var kl float64
	for j, v := range s.LogP {
		lp := float64(v)/tau - mt - logZt
		p := math.Exp(lp)
		if p == 0 {
			continue
		}
		lq := (float64(row[s.token(j)])-m)/tau - logS2
		kl += p * (lp - lq)
	}
	return kl
}

// RowGrad replaces row (student logits) by the gradient of
// scale·[(1−α)·nll + α·τ²·kl] (RowLoss) with respect to them:
//
//	scale·[(1−α)·(softmax(row) − onehot(y)) + α·τ·(softmax(row/τ) − p̃_τ)]
//
// and returns nll and kl (0 when s is empty). With α = 0 it is the plain
// cross-entropy gradient.
func RowGrad[F nn.Float](row []F, y int32, s Soft, alpha, tau, scale float64) (nll, kl float64) {
	m, s1, s2 := rowSums(row, tau)
	nll = m + math.Log(s1) - float64(row[y])
	if len(s.LogP) > 0 {
		kl = rowKL(row, s, m, math.Log(s2), tau)
	}
	hard, soft := scale*(1-alpha)/s1, scale*alpha*tau/s2
	for i, v := range row {
		d := float64(v) - m
		g := hard * math.Exp(d)
		if alpha != 0 {
			g += soft * math.Exp(d/tau)
		}
		row[i] = F(g)
	}
	row[y] -= F(scale * (1 - alpha))
	if alpha != 0 {
		mt, zt := s.norm(tau)
		k := scale * alpha * tau / zt
		for j, v := range s.LogP {
			row[s.token(j)] -= F(k * math.Exp(float64(v)/tau-mt))
		}
	}
	return nll, kl
}
