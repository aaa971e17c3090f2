// Package tokenizer is the Llama 4 byte-level BPE tokenizer (spec §4).
//
// It loads either file a Llama 4 model ships: Meta's tiktoken file
// (tokenizer.model, one "base64 rank" line per token) or a Hugging Face
// tokenizer.json built by TikTokenConverter. Both give the same Tokenizer and
// the same ids.
//
// # Encoding
//
// Encode follows Meta's tokenizer.py, which is tiktoken plus two cuts:
//
//  1. The text is cut into slices of 400,000 code points, and inside each
//     slice any run of more than 25,000 consecutive whitespace or
//     non-whitespace code points (Python's str.isspace) is cut as well.
//  2. Each slice is split at special tokens (only when the caller allows
//     them); the text between is split by the O200K pre-tokenizer Pattern
//     (a hand-written scanner that reproduces the regular expression,
//     lookahead included, with Unicode 16.0 character classes: the version of
//     the reference tiktoken's regex engine, pinned so that ids do not change
//     with Go's own unicode tables); each piece that is a whole token is
//     emitted as is, otherwise it is merged by byte-pair ranks, lowest rank
//     first and leftmost on ties.
//
// The cuts in step 1 only change ids for runs longer than 25,000 code points;
// Hugging Face's tokenizers library does not make them.
//
// # Invalid UTF-8
//
// A Go string may hold bytes that are not UTF-8. Encode first replaces every
// ill-formed sequence by U+FFFD, one replacement per maximal subpart (the
// Unicode "best practice" that JavaScript's TextDecoder and Python's
// bytes.decode(errors="replace") follow), then encodes the result. That is what
// the reference implementations do with text they cannot represent (tiktoken
// replaces lone surrogates by U+FFFD), so the model only ever sees ids it was
// trained on. As a consequence Decode(Encode(s)) == s holds exactly for valid
// UTF-8 s; for any other s it returns the replaced string.
//
// Decode concatenates the bytes of the tokens and applies the same
// replacement, so its result is always valid UTF-8. Decoder does the same
// incrementally and never emits part of a character.
package tokenizer
