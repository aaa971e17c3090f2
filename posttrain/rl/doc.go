// Package rl is herd's online reinforcement-learning loop on verifiable
// tasks (package posttrain/tasks) and its DPO trainer on the policy's own
// samples; the losses themselves are package train/rl's.
//
// A run alternates rounds: the current policy samples k completions of a
// pool of training prompts and keeps the hard ones (0 < passes < k, pass@k
// filtering), ordered easiest first (a hardness curriculum); an actor then
// samples G completions per kept prompt through a Generator (the batching
// engine in process, or herd serve processes over HTTP) with the behaviour
// log-probability of every token, groups whose rewards are all equal are
// dropped (no advantage), and a learner takes GRPO / decoupled-PPO steps on
// batches of groups, pushing each new policy version back to the
// generator. Actor and learner run concurrently with a bounded staleness:
// a group is consumed at most Staleness versions after the policy that
// started it (0: synchronous). docs/post-training.md describes the loop.
package rl
