package grammar

import (
	"math/bits"
	"reflect"
	"sort"
	"sync"
	"unicode/utf8"
)

// TokenSource is the vocabulary a Constraint masks: *tokenizer.Tokenizer
// implements it. Token ids are 0 to VocabSize()-1; TokenBytes returns the
// bytes a token decodes to. The vocabulary must not change, and it should
// have a one-byte token for every byte JSON may need (byte-level BPE
// vocabularies such as Llama's have all 256), or a value may become
// impossible to finish.
type TokenSource interface {
	VocabSize() int
	TokenBytes(id int32) (string, bool)
	IsSpecial(id int32) bool
}

// vocab is what Mask needs to know about a vocabulary, built once.
type vocab struct {
	size  int
	bytes []string // id → bytes; "" for special or missing ids
	full  *tokTrie // every non-special token
	rest  *tokTrie // the tokens not in safe

	// safe marks the tokens that are whole characters of a JSON string
	// with nothing to escape (valid UTF-8, no '"', '\\' or control bytes):
	// inside a string, between characters, each is allowed whatever the
	// state around it. For strings with a maxLength: runes is the length
	// of each in code points, safeUpTo[r] marks those of at most r code
	// points, longSafe lists those longer than the last r.
	safe         []uint64
	runes        []uint16
	maxSafeRunes int
	safeUpTo     [][]uint64
	longSafe     []int32
}

// safeUpToMax is the largest length with a bitset in vocab.safeUpTo.
const safeUpToMax = 16

type vocabEntry struct {
	once sync.Once
	v    *vocab
}

// vocabs caches the vocab of each TokenSource (by its value: a pointer for
// a *tokenizer.Tokenizer).
var vocabs sync.Map

// vocabOf returns the vocab of ts, building it on first use.
func vocabOf(ts TokenSource) *vocab {
	if !reflect.TypeOf(ts).Comparable() {
		return buildVocab(ts)
	}
	e, _ := vocabs.LoadOrStore(ts, new(vocabEntry))
	ve := e.(*vocabEntry)
	ve.once.Do(func() { ve.v = buildVocab(ts) })
	return ve.v
}

func buildVocab(ts TokenSource) *vocab {
	n := ts.VocabSize()
	v := &vocab{size: n, bytes: make([]string, n), safe: make([]uint64, (n+63)/64), runes: make([]uint16, n)}
	var all, rest []tokEntry
	for id := int32(0); int(id) < n; id++ {
		s, ok := ts.TokenBytes(id)
		if !ok || s == "" || ts.IsSpecial(id) {
			continue
		}
		v.bytes[id] = s
		all = append(all, tokEntry{s, id})
		if r, ok := stringSafe(s); ok {
			v.safe[id/64] |= 1 << (id % 64)
			v.runes[id] = uint16(min(r, 1<<16-1))
			v.maxSafeRunes = max(v.maxSafeRunes, r)
			if r > safeUpToMax {
				v.longSafe = append(v.longSafe, id)
			}
		} else {
			rest = append(rest, tokEntry{s, id})
		}
	}
	v.safeUpTo = make([][]uint64, safeUpToMax+1)
	for r := range v.safeUpTo {
		v.safeUpTo[r] = make([]uint64, len(v.safe))
		for w, x := range v.safe {
			for m := x; m != 0; m &= m - 1 {
				b := bits.TrailingZeros64(m)
				if int(v.runes[w*64+b]) <= r {
					v.safeUpTo[r][w] |= 1 << b
				}
			}
		}
	}
	v.full = newTokTrie(all)
	v.rest = newTokTrie(rest)
	return v
}

// stringSafe reports whether s is whole characters that a JSON string may
// hold unescaped, and how many.
func stringSafe(s string) (int, bool) {
	if !utf8.ValidString(s) {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b == '"' || b == '\\' || b < 0x20 {
			return 0, false
		}
	}
	return utf8.RuneCountInString(s), true
}

type tokEntry struct {
	s  string
	id int32
}

// tokTrie is a byte trie of token strings, flattened in preorder: node i's
// descendants are the nodes i+1 to skip[i]-1, so a walk that rejects node i
// jumps to skip[i]. Node i is reached by byte label[i] from its parent, at
// depth[i] (1 for the children of the implicit root).
type tokTrie struct {
	label    []byte
	depth    []uint16
	skip     []int32
	tok      []int32           // the token ending at node i, or -1
	dups     map[int32][]int32 // further tokens with the same bytes
	maxDepth int
}

func newTokTrie(toks []tokEntry) *tokTrie {
	sort.Slice(toks, func(i, j int) bool { return toks[i].s < toks[j].s })
	t := &tokTrie{dups: map[int32][]int32{}}
	var path []int32 // path[k]: the node of the current string's first k+1 bytes
	prev := ""
	for _, e := range toks {
		s := e.s
		if len(s) > 1<<16-1 {
			continue
		}
		if s == prev && len(path) > 0 {
			last := path[len(s)-1]
			t.dups[last] = append(t.dups[last], e.id)
			continue
		}
		lcp := 0
		for lcp < len(s) && lcp < len(prev) && s[lcp] == prev[lcp] {
			lcp++
		}
		path = path[:lcp]
		for k := lcp; k < len(s); k++ {
			path = append(path, int32(len(t.label)))
			t.label = append(t.label, s[k])
			t.depth = append(t.depth, uint16(k+1))
			t.tok = append(t.tok, -1)
		}
		t.tok[path[len(s)-1]] = e.id
		t.maxDepth = max(t.maxDepth, len(s))
		prev = s
	}
	n := len(t.label)
	t.skip = make([]int32, n)
	var open []int32
	for i := 0; i < n; i++ {
		for len(open) > 0 && t.depth[open[len(open)-1]] >= t.depth[i] {
			t.skip[open[len(open)-1]] = int32(i)
			open = open[:len(open)-1]
		}
		open = append(open, int32(i))
	}
	for _, i := range open {
		t.skip[i] = int32(n)
	}
	return t
}
