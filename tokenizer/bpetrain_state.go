package tokenizer

// bpeTrainer is the state of TrainBPE: the distinct words of the text, each
// as its current tokens, and the count of every candidate (the byte string of
// two adjacent tokens) with the words that may hold it.
type bpeTrainer struct {
	tokens []string         // rank → bytes
	counts []int64          // rank → count when chosen
	rankOf map[string]int32 // bytes → rank

	words  []string         // distinct pre-tokens
	wordOf map[string]int32 // pre-token → index in words
	freq   []int64          // occurrences of each word
	toks   [][]int32        // current tokens of each word
	stamp  []int32          // per word: 1 + the rank whose step last visited it

	cands  []bpeCand
	candOf map[string]int32 // candidate bytes → index in cands
	heap   candHeap

	delta   []int64 // per candidate: count change in the current step
	touched []int32 // candidates whose delta is set
	buf     []byte  // scratch for concatenations
	old     []int32 // scratch copy of a word's tokens
}

// bpeCand is a candidate merge: two adjacent tokens whose bytes are s.
type bpeCand struct {
	s     string
	count int64   // occurrences of adjacent token pairs making s, weighted by word frequency
	words []int32 // words that held such a pair when it was added (may be stale or repeated)
	done  bool    // s has become a rank
}

// newBPETrainer counts the words of text and the candidates of their bytes.
func newBPETrainer(text string) *bpeTrainer {
	t := &bpeTrainer{rankOf: make(map[string]int32), wordOf: make(map[string]int32), candOf: make(map[string]int32)}
	for b := range 256 {
		s := string([]byte{byte(b)})
		t.tokens = append(t.tokens, s)
		t.counts = append(t.counts, 0)
		t.rankOf[s] = int32(b)
	}
	forEachPiece(text, func(piece string) {
		w, ok := t.wordOf[piece]
		if !ok {
			w = int32(len(t.words))
			t.wordOf[piece] = w
			t.words = append(t.words, piece)
			t.freq = append(t.freq, 0)
		}
		t.freq[w]++
	})
	t.toks = make([][]int32, len(t.words))
	t.stamp = make([]int32, len(t.words))
	for w, s := range t.words {
		ids := make([]int32, len(s))
		for i := range len(s) {
			ids[i] = int32(s[i])
		}
		t.toks[w] = ids
		t.addPairs(int32(w), ids, t.freq[w])
	}
	t.applyDeltas()
	return t
}

// candID returns the index of the candidate made of tokens a and b, adding
// it when new.
func (t *bpeTrainer) candID(a, b int32) int32 {
	t.buf = append(append(t.buf[:0], t.tokens[a]...), t.tokens[b]...)
	if id, ok := t.candOf[string(t.buf)]; ok {
		return id
	}
	id := int32(len(t.cands))
	s := string(t.buf)
	t.cands = append(t.cands, bpeCand{s: s})
	t.candOf[s] = id
	t.delta = append(t.delta, 0)
	return id
}

// addPairs adds f (negative: removes) to the delta of every adjacent pair
// of ids, a word's tokens; when adding, it records w as a holder.
func (t *bpeTrainer) addPairs(w int32, ids []int32, f int64) {
	for i := 0; i+1 < len(ids); i++ {
		id := t.candID(ids[i], ids[i+1])
		if t.delta[id] == 0 {
			t.touched = append(t.touched, id)
		}
		t.delta[id] += f
		if c := &t.cands[id]; f > 0 && (len(c.words) == 0 || c.words[len(c.words)-1] != w) {
			c.words = append(c.words, w)
		}
	}
}

// applyDeltas adds the step's count changes and queues the changed
// candidates.
func (t *bpeTrainer) applyDeltas() {
	for _, id := range t.touched {
		d := t.delta[id]
		t.delta[id] = 0
		c := &t.cands[id]
		if d == 0 || c.done {
			continue
		}
		c.count += d
		if c.count > 0 {
			t.heap.push(candEntry{count: c.count, id: id}, t.cands)
		}
	}
	t.touched = t.touched[:0]
}

// step makes the most frequent candidate the next rank and re-encodes the
// words that hold it. It reports false when no candidate is left.
func (t *bpeTrainer) step() bool {
	var c *bpeCand
	for {
		e, ok := t.heap.pop(t.cands)
		if !ok {
			return false
		}
		c = &t.cands[e.id]
		if !c.done && c.count == e.count {
			break
		}
	}
	r := int32(len(t.tokens))
	t.tokens = append(t.tokens, c.s)
	t.counts = append(t.counts, c.count)
	t.rankOf[c.s] = r
	c.done = true
	holders := c.words
	c.words = nil
	if w, ok := t.wordOf[c.s]; ok {
		holders = append(holders, w) // the whole word is now a token
	}
	for _, w := range holders {
		if t.stamp[w] == r+1 {
			continue
		}
		t.stamp[w] = r + 1
		t.reencode(w, r)
	}
	t.applyDeltas()
	return true
}

// reencode brings word w up to date after rank r was added: the whole word
// becomes r if it is r's bytes; otherwise tiktoken's merge continues.
func (t *bpeTrainer) reencode(w, r int32) {
	ids := t.toks[w]
	t.old = append(t.old[:0], ids...)
	if t.words[w] == t.tokens[r] {
		ids = append(ids[:0], r)
	} else {
		ids = t.merge(ids)
	}
	if len(ids) == len(t.old) {
		return // nothing merged: a stale holder
	}
	t.toks[w] = ids
	f := t.freq[w]
	t.addPairs(w, t.old, -f)
	t.addPairs(w, ids, f)
}

// merge is tiktoken's byte-pair merge on a list of tokens: while some
// adjacent pair's bytes are a token, merge the pair of lowest rank (the
// leftmost of equal ones). It works in place and returns the shortened list.
func (t *bpeTrainer) merge(ids []int32) []int32 {
	for len(ids) > 1 {
		best, at := int32(noRank), -1
		for i := 0; i+1 < len(ids); i++ {
			t.buf = append(append(t.buf[:0], t.tokens[ids[i]]...), t.tokens[ids[i+1]]...)
			if r, ok := t.rankOf[string(t.buf)]; ok && r < best {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		ids[at] = best
		ids = append(ids[:at+1], ids[at+2:]...)
	}
	return ids
}
