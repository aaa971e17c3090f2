package tokenizer

// Decode returns the text of ids: the bytes of the tokens concatenated, with
// ill-formed UTF-8 replaced by U+FFFD (see ReplaceInvalid). Special tokens
// appear as their names unless skipSpecial is set. An id outside the
// vocabulary decodes to U+FFFD.
func (t *Tokenizer) Decode(ids []int32, skipSpecial bool) string {
	out, _ := appendValid(nil, t.AppendBytes(nil, ids, skipSpecial), true)
	return string(out)
}

// AppendBytes appends the raw bytes of ids to dst, without any UTF-8
// repair: a sampler or a byte-level consumer sees exactly what the tokens
// hold. Special tokens and unknown ids are handled as in Decode.
func (t *Tokenizer) AppendBytes(dst []byte, ids []int32, skipSpecial bool) []byte {
	for _, id := range ids {
		dst = t.appendToken(dst, id, skipSpecial)
	}
	return dst
}

// appendToken appends the bytes of one id.
func (t *Tokenizer) appendToken(dst []byte, id int32, skipSpecial bool) []byte {
	s, ok := t.TokenBytes(id)
	switch {
	case !ok:
		return append(dst, replacement...)
	case t.special[id] && skipSpecial:
		return dst
	}
	return append(dst, s...)
}

// Decoder turns a stream of ids into text for streaming output. Each call
// returns only complete characters: bytes that begin a character still
// waiting for its continuation bytes are held back until a later token
// completes it (or Flush gives up on it). The concatenation of everything it
// returns equals Decode of all the ids, however the stream is split.
//
// A Decoder is not safe for concurrent use; make one per sequence.
type Decoder struct {
	t           *Tokenizer
	skipSpecial bool
	pending     []byte
	out         []byte
}

// NewDecoder returns a Decoder that skips special tokens when skipSpecial is
// set and shows their names otherwise.
func (t *Tokenizer) NewDecoder(skipSpecial bool) *Decoder {
	return &Decoder{t: t, skipSpecial: skipSpecial}
}

// Add decodes one more id and returns the text it completes, often "" when
// the token holds only part of a character.
func (d *Decoder) Add(id int32) string {
	d.pending = d.t.appendToken(d.pending, id, d.skipSpecial)
	return d.drain(false)
}

// Flush returns the held-back bytes, each incomplete character replaced by
// U+FFFD, and resets the Decoder for a new stream.
func (d *Decoder) Flush() string {
	return d.drain(true)
}

// drain converts what can be converted of pending.
func (d *Decoder) drain(final bool) string {
	var n int
	d.out, n = appendValid(d.out[:0], d.pending, final)
	d.pending = d.pending[:copy(d.pending, d.pending[n:])]
	return string(d.out)
}
