package distill

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The amortised teacher cache is a directory of shard files and an index.
//
// Shard file shard-NNNNN.kd: a 64-byte header, then one record per
// position: the teacher's top k token ids (uint32, largest probability
// first) followed by their log-probabilities at temperature 1 (float32),
// 8·k bytes, little-endian. Header: magic "HERDKD01", then uint32 version
// (1), vocabulary size, k, 0, then uint64 first position, position count,
// zero padding. Every shard but the last holds Index.ShardPositions
// positions.
//
// IndexFile (JSON, type Index) lists the shards and what the cache is of;
// it is written last, so a directory without it is an unfinished cache.
const (
	IndexFile    = "index.json"
	cacheFormat  = "herd-distill-cache-v1"
	shardMagic   = "HERDKD01"
	shardVersion = 1
	headerSize   = 64
)

// Index describes a teacher cache.
type Index struct {
	Format         string  `json:"format"`
	VocabSize      int     `json:"vocab_size"`
	K              int     `json:"k"`
	Positions      int     `json:"positions"`       // training positions 0…Positions−1 (each predicting the next token)
	Data           string  `json:"data"`            // dataset.Dataset.Fingerprint of the tokens
	Teacher        string  `json:"teacher"`         // the model, as given
	Context        int     `json:"context"`         // teacher window length
	Stride         int     `json:"stride"`          // window step; every position after the first window has ≥ Context−Stride tokens of context
	ShardPositions int     `json:"shard_positions"` // positions per shard (the last may hold fewer)
	Shards         []Shard `json:"shards"`
}

// Shard is one shard file of a cache.
type Shard struct {
	File  string `json:"file"`
	First int    `json:"first"`
	Count int    `json:"count"`
}

func shardName(i int) string { return fmt.Sprintf("shard-%05d.kd", i) }

func recordSize(k int) int { return 8 * k }

func putHeader(b []byte, V, k, first, count int) {
	copy(b, shardMagic)
	le := binary.LittleEndian
	le.PutUint32(b[8:], shardVersion)
	le.PutUint32(b[12:], uint32(V))
	le.PutUint32(b[16:], uint32(k))
	le.PutUint64(b[24:], uint64(first))
	le.PutUint64(b[32:], uint64(count))
}

// checkHeader verifies a shard's header against the index entry.
func checkHeader(b []byte, ix *Index, s Shard) error {
	le := binary.LittleEndian
	if len(b) < headerSize || string(b[:8]) != shardMagic {
		return fmt.Errorf("not a herd distillation shard (bad magic)")
	}
	if v := le.Uint32(b[8:]); v != shardVersion {
		return fmt.Errorf("shard version %d, want %d", v, shardVersion)
	}
	V, k := int(le.Uint32(b[12:])), int(le.Uint32(b[16:]))
	first, count := le.Uint64(b[24:]), le.Uint64(b[32:])
	if V != ix.VocabSize || k != ix.K || first != uint64(s.First) || count != uint64(s.Count) {
		return fmt.Errorf("header says vocabulary %d, k %d, positions %d+%d; the index says %d, %d, %d+%d",
			V, k, first, count, ix.VocabSize, ix.K, s.First, s.Count)
	}
	if want := headerSize + s.Count*recordSize(k); len(b) != want {
		return fmt.Errorf("%d bytes, want %d", len(b), want)
	}
	return nil
}

func putRecord(b []byte, idx []int32, lp []float32) {
	le := binary.LittleEndian
	k := len(idx)
	for j := range idx {
		le.PutUint32(b[4*j:], uint32(idx[j]))
		le.PutUint32(b[4*(k+j):], math.Float32bits(lp[j]))
	}
}

func getRecord(b []byte, idx []int32, lp []float32) {
	le := binary.LittleEndian
	k := len(idx)
	for j := range idx {
		idx[j] = int32(le.Uint32(b[4*j:]))
		lp[j] = math.Float32frombits(le.Uint32(b[4*(k+j):]))
	}
}
