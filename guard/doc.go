// Package guard screens conversations with Llama Guard 4: it builds the
// classifier's prompt (the task line, the hazard categories S1–S14 with
// excluded ones removed, the conversation as User:/Agent: turns and the
// instruction for the last turn of the checked role, inside the Llama 4 chat
// format), runs the guard model greedily, parses its answer ("safe", or
// "unsafe" and a line of categories) and scores it: the probability of the
// "unsafe" token at the first step, which a threshold may turn into the
// verdict. Classifier is the interface the server screens requests and
// answers through; LlamaGuard implements it on a herd model.
package guard
