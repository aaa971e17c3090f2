// Package dataset turns training text into token batches: the Tokenizer
// seam (bytes or a Llama 4-format BPE), the training/validation split, and
// the B×T batches the trainer samples and evaluates.
package dataset
