// Package tasks holds verifiable post-training tasks: problems with exact,
// programmatic rewards, for supervised fine-tuning data, for choosing hard
// prompts by pass@k and for online reinforcement learning.
//
// A Task samples prompts from fixed, seeded train and held-out splits
// (a problem's split is a hash of its canonical text, so the splits are
// disjoint by construction and held-out problems never reach training),
// renders them as chat messages (package chat) with optional tool
// declarations in the Llama 4 tool format, gives a reference solution, and
// scores a model's transcript exactly. Three tasks are built in (New):
//
//   - "arithmetic": multi-digit integer arithmetic (+, −, ×) in chat form;
//     difficulty = digits per operand and number of operations.
//   - "countdown": reach a target with given numbers, each used once, with
//   - − × ÷ (TinyZero's task and reward: 1 correct, 0.1 well formed,
//     0 otherwise).
//   - "calculator": arithmetic with a calculator tool: the model calls the
//     tool, the harness runs it (Rollout) and returns the result in the
//     ipython turn, and the final answer is scored.
//
// Expressions from the model are evaluated by Eval, a bounded
// recursive-descent evaluator over exact rationals: untrusted text is never
// executed as code. docs/post-training.md describes the formats.
package tasks
