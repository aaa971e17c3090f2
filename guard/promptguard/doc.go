// Package promptguard runs Prompt Guard 2, Meta's jailbreak and
// prompt-injection classifier: a DeBERTa-v2/v3 encoder (disentangled
// attention over log-bucketed relative positions) with a sequence
// classification head, whose softmax over BENIGN/MALICIOUS scores a text.
// Texts longer than a window (512 tokens) are scored in overlapping windows
// and the most malicious window decides.
package promptguard
