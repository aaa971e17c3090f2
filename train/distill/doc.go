// Package distill is knowledge distillation for herd train: the student
// learns from a teacher's next-token distribution as well as from the data's
// hard labels.
//
// The loss of one valid position with student logits z, data label y and
// teacher log-probabilities ℓ over a set S of tokens (the teacher's top k,
// or the whole vocabulary) is
//
//	L = (1−α)·CE(y, softmax(z)) + α·τ²·KL(p_τ ‖ softmax(z/τ))
//
// where p_τ = softmax(ℓ/τ) renormalised over S (Hinton, Vinyals and Dean
// 2015, "Distilling the Knowledge in a Neural Network": soft targets at
// temperature τ, the τ² factor keeping the soft gradients' scale independent
// of τ; restricting the teacher to its top-k tokens and renormalising is the
// sparse/top-k KD of practice, e.g. Anshumann et al. 2025 "Sparse Logit
// Sampling", which also notes its bias). Its gradient with respect to z is
//
//	(1−α)·(softmax(z) − onehot(y)) + α·τ·(softmax(z/τ) − p̃_τ)
//
// with p̃_τ the teacher distribution scattered into the vocabulary (rowgrad.go).
//
// The soft/hard weight α (weight.go) follows a schedule, soft-heavy early and
// hard-heavy late (the Llama 4 blog's distillation "dynamically weights the
// soft and hard targets through training"; linear here), optionally scaled
// per token by the teacher's confidence in the data's label, p_T(y) (so a
// teacher that is wrong about a token defers to the hard label, as in
// confidence-weighted KD, e.g. Zhou et al. 2021, "Rethinking Soft Labels for
// Knowledge Distillation: A Bias–Variance Tradeoff Perspective").
//
// The teacher's distribution comes either online (teacher.go: any model herd
// loads runs in the same process on the student's batches, one row at a
// time) or amortised (cache.go: `herd distill-cache` writes its top-k
// log-probabilities per training position to sharded, memory-mapped files
// once). Either way the soft targets of at most one row of T positions exist
// at a time: never a B×T×V tensor.
package distill
