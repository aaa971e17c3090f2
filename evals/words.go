package evals

import "math/rand/v2"

// Words are FormWords's keys and values: 64 short English words, which a
// BPE trained on text that repeats them keeps as single tokens. No word
// ends with another, so a byte-level copier finds the needle's key alone.
var Words = [...]string{
	"red", "blue", "green", "black", "white", "gold", "grey", "brown",
	"king", "queen", "lord", "lady", "duke", "prince", "monk", "page",
	"horse", "bird", "fish", "dog", "cat", "wolf", "bear", "deer",
	"tree", "rose", "oak", "stone", "river", "sea", "hill", "field",
	"house", "door", "table", "bed", "ship", "road", "gate", "wall",
	"bread", "wine", "milk", "salt", "fire", "rain", "wind", "snow",
	"sun", "moon", "star", "night", "day", "year", "hour", "week",
	"song", "book", "ring", "sword", "crown", "coin", "cup", "bell",
}

// WordPair draws a FormWords line's key and value from r (independently;
// they may be the same word), for making training documents of the same
// task family as the eval's prompts.
func WordPair(r *rand.Rand) (key, value string) {
	return Words[r.IntN(len(Words))], Words[r.IntN(len(Words))]
}

// WordsNeedle is the key and value of FormWords's needle in the prompts of
// trial at depth under seed (the same at every length), so that training
// data can exclude the eval's instances.
// The key depends on the seed and trial alone, so that a trial's haystack,
// which never holds the key, is the same at every depth; the value also
// on the depth.
func WordsNeedle(seed uint64, depth float64, trial int) (key, value string) {
	key = Words[rand.New(rand.NewPCG(seed^0x776f726473, uint64(trial))).IntN(len(Words))]
	_, value = WordPair(needleRNG(seed, depth, trial))
	return key, value
}
