// Package rl holds the token-level losses of post-training on top of the
// training workspace of package train: per-token log-probabilities of given
// sequences (Scorer), the GRPO / decoupled-PPO policy loss with group
// advantages (PolicyLoss, GroupAdvantages) and the DPO sigmoid loss
// (DPOLoss). Each loss returns its value and its gradient with respect to
// the per-token log-probabilities; Scorer.Backward carries that gradient
// through the model's explicit backward pass to the parameters. Supervised
// fine-tuning needs no new loss: it is the cross-entropy of
// train.Workspace.LossGrad with the targets of non-assistant tokens set to
// dataset.IgnoreIndex.
//
// docs/post-training.md gives the exact formulas, normalisations and
// references (DeepSeekMath's GRPO, DAPO, TRL's GRPOTrainer, AReaL's
// decoupled PPO, DPO).
package rl
