package grammar

import (
	"sync"

	"github.com/herd-llm/herd/grammar/strdfa"
)

// MaxIndent bounds insignificant whitespace, as llama.cpp's JSON grammar
// does (ws ::= | " " | "\n" [ \t]{0,20}): between the tokens of a value
// there may be nothing, one space, or one newline followed by at most
// MaxIndent spaces or tabs. No whitespace is allowed before or after the
// top-level value.
const MaxIndent = 20

// Grammar is a compiled set of JSON values: what the output may be. It is
// immutable and safe for concurrent use.
type Grammar struct {
	nodes []node
	root  int32
}

// kind is what a node matches.
type kind uint8

const (
	kNever   kind = iota // nothing (the schema false)
	kObject              // an object
	kArray               // an array
	kString              // a string
	kNumber              // a number
	kInteger             // a number without fraction or exponent
	kLiteral             // one of a set of literal JSON texts
	kUnion               // any of alts
)

// node is one compiled schema: a set of JSON values.
type node struct {
	kind   kind
	finite bool // some finite JSON text matches (computed after compiling)

	// kObject with closed keys: keys is the trie of the quoted names, props
	// the value node of each (by sorted position), required a bitset of
	// positions. Free keys (keys == nil): any key, values of addl (-1: no
	// key at all). initUsed marks the keys that may not be used at all.
	keys     *litTrie
	props    []int32
	required []uint64
	initUsed []uint64
	addl     int32

	// kArray: item i is prefix[i], then items (-1: none).
	prefix             []int32
	items              int32
	minItems, maxItems int // maxItems < 0: unbounded
	// unique: uniqueItems, with items a kLiteral node (no prefix); the
	// array frame marks the literals written (initUsed: none).
	unique bool

	// kString: length limits in code points (maxLen < 0: unbounded), and
	// the automaton of pattern or format (nil: any string).
	minLen, maxLen int
	re             *strdfa.DFA

	// kNumber, kInteger: the numeric keywords, or nil for none.
	num *numDFA

	// kLiteral
	lits *litTrie

	// kUnion: alts as written; flat the non-union nodes they reach.
	alts []int32
	flat []int32
}

// item returns the node of array item i, or -1.
func (n *node) item(i int32) int32 {
	if int(i) < len(n.prefix) {
		return n.prefix[i]
	}
	return n.items
}

var (
	jsonObjectOnce sync.Once
	jsonObject     *Grammar
)

// JSONObject returns the grammar of response_format "json_object": any JSON
// object.
func JSONObject() *Grammar {
	jsonObjectOnce.Do(func() {
		c := newCompiler(nil)
		obj := newNode(kObject)
		obj.addl = c.anyValue()
		g, err := c.finish(c.add(obj))
		if err != nil {
			panic(err)
		}
		jsonObject = g
	})
	return jsonObject
}

// JSONValue returns the grammar of any JSON value (object, array, string,
// number, true, false or null).
func JSONValue() *Grammar {
	c := newCompiler(nil)
	g, err := c.finish(c.anyValue())
	if err != nil {
		panic(err)
	}
	return g
}
