// Package runlog keeps a training run's log: one CSV row per step in
// log.csv, read back to plot the loss curve (loss.png) and, for MoE
// models, the tokens per expert (experts.png).
package runlog
