// Package pretrain runs herd train's jobs from their settings: a text file
// read and split (one stream or documents), its tokenizer (bytes, or a BPE
// vocabulary trained first), a new or resumed train.Trainer, an optional
// distillation teacher (a model run online or a cache of its top-k
// log-probs), the run itself and its summary; and the neighbouring jobs
// herd distill-cache (a teacher's cache) and herd train --eval (a saved
// model's validation loss).
//
// Errors in the settings themselves (a malformed --seq schedule, a
// tokenizer spec, text too short to split) satisfy
// interface{ UsageError() bool }, so a command line can tell them from
// failures.
package pretrain

import "fmt"

// badSetting is an error in a job's settings, as opposed to a failure
// while running it.
type badSetting struct{ msg string }

func (e badSetting) Error() string { return e.msg }

// UsageError marks the error as the caller's mistake.
func (badSetting) UsageError() bool { return true }

func badf(format string, a ...any) error { return badSetting{fmt.Sprintf(format, a...)} }
