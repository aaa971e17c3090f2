package gatewaytest

import (
	"encoding/binary"
	"hash/fnv"
	"sync"
)

// index maps the router's own block keys to the pods holding them, built
// from BlockStored/BlockRemoved/AllBlocksCleared events alone. Like llm-d's
// indexer it recomputes each block's key from the event's token ids (a
// chained FNV-1a over the parent's key and the block's tokens), so it does
// not depend on how the engine hashes: the engine's hashes only name
// blocks within one pod (for parents and removals).
type index struct {
	mu      sync.Mutex
	keyOf   map[string]map[uint64]uint64 // pod → engine hash → key (kept after removal: a child may still name it)
	holders map[uint64]map[string]bool   // key → pods holding the block
	orphans int                          // stored blocks whose parent was never seen
	badSize int                          // events whose block size differs from the index's
	bs      int                          // positions per block
}

func newIndex(blockSize int) *index {
	return &index{keyOf: map[string]map[uint64]uint64{}, holders: map[uint64]map[string]bool{}, bs: blockSize}
}

// chainKey is the key of the block of toks after the block keyed parent
// (hasParent false: the first block of a sequence).
func chainKey(parent uint64, hasParent bool, toks []int32) uint64 {
	b := make([]byte, 0, 8+4*len(toks))
	if hasParent {
		b = binary.LittleEndian.AppendUint64(b, parent)
	}
	for _, t := range toks {
		b = binary.LittleEndian.AppendUint32(b, uint32(t))
	}
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// stored records blocks hashes of pod, holding tokens (blockSize each),
// after the block parent names (when hasParent).
func (x *index) stored(pod string, parent uint64, hasParent bool, hashes []uint64, tokens []int32, blockSize int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if blockSize != x.bs || len(tokens) != len(hashes)*blockSize {
		x.badSize++
		return
	}
	keys := x.keyOf[pod]
	if keys == nil {
		keys = map[uint64]uint64{}
		x.keyOf[pod] = keys
	}
	var pk uint64
	if hasParent {
		k, ok := keys[parent]
		if !ok {
			x.orphans++
			return
		}
		pk = k
	}
	for i, h := range hashes {
		k := chainKey(pk, hasParent || i > 0, tokens[i*blockSize:(i+1)*blockSize])
		keys[h] = k
		if x.holders[k] == nil {
			x.holders[k] = map[string]bool{}
		}
		x.holders[k][pod] = true
		pk = k
	}
}

// removed forgets that pod holds the blocks hashes name.
func (x *index) removed(pod string, hashes []uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, h := range hashes {
		if k, ok := x.keyOf[pod][h]; ok {
			delete(x.holders[k], pod)
		}
	}
}

// cleared forgets every block of pod (AllBlocksCleared, or the pod is gone).
func (x *index) cleared(pod string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, k := range x.keyOf[pod] {
		delete(x.holders[k], pod)
	}
}

// matches returns, for each pod holding at least the first block of
// tokens, how many leading whole blocks of tokens it holds.
func (x *index) matches(tokens []int32) map[string]int {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := map[string]int{}
	var pk uint64
	for i := 0; (i+1)*x.bs <= len(tokens); i++ {
		pk = chainKey(pk, i > 0, tokens[i*x.bs:(i+1)*x.bs])
		n := 0
		for pod := range x.holders[pk] {
			if out[pod] == i { // held every block before this one
				out[pod] = i + 1
				n++
			}
		}
		if n == 0 {
			break
		}
	}
	return out
}
