// Package sft is supervised fine-tuning of Llama 4 text models on chat
// data: JSONL conversations (ReadJSONL) rendered in the Llama 4 chat format
// by package chat, the loss on assistant tokens only (Encode), whole
// examples packed into rows of T tokens (Pack), easy-example pruning with
// the current model as judge (Judge), and a resumable trainer whose
// checkpoints are written atomically and whose output is a Hugging Face
// directory that herd runs (Trainer). docs/post-training.md describes the
// data format and the definitions.
package sft
