// Package evals measures how well a model uses its context: needle in a
// haystack (RunNIAH: a key hidden at a depth of a prompt of a given length,
// scored by exact match of the greedy answer) and the per-position loss
// over long windows of a text (PerPositionNLL, as in Meta's cumulative-NLL
// plot). Both run any llama4 model through engine.Session and write CSV
// tables and PNG charts (WriteNIAHCSV, NIAHHeatmap, WritePPLCSV, PPLChart).
package evals
