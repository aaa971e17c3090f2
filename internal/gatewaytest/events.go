package gatewaytest

import (
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// kvEvent is one decoded KV-cache event.
type kvEvent struct {
	kind      string // BlockStored, BlockRemoved or AllBlocksCleared
	hashes    []uint64
	parent    uint64
	hasParent bool
	tokens    []int32
	blockSize int
}

// decodeBatch reads one EventBatch payload in either of vLLM's layouts
// (positional arrays or tagged maps) with a generic MessagePack decoder.
func decodeBatch(payload []byte) ([]kvEvent, error) {
	if err := checkShape(payload); err != nil {
		return nil, fmt.Errorf("event batch: %w", err)
	}
	var v any
	if err := msgpack.Unmarshal(payload, &v); err != nil {
		return nil, fmt.Errorf("event batch: %w", err)
	}
	var raw []any
	switch b := v.(type) {
	case []any:
		if len(b) != 3 {
			return nil, fmt.Errorf("event batch: %d fields, want 3", len(b))
		}
		raw, _ = b[1].([]any)
	case map[string]any:
		raw, _ = b["events"].([]any)
	default:
		return nil, fmt.Errorf("event batch: a %T, want an array or a map", v)
	}
	evs := make([]kvEvent, 0, len(raw))
	for i, r := range raw {
		ev, err := decodeEvent(r)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// field names of each event class, in their positional order after the tag.
var fields = map[string][]string{
	"BlockStored":      {"block_hashes", "parent_block_hash", "token_ids", "block_size"},
	"BlockRemoved":     {"block_hashes"},
	"AllBlocksCleared": {},
}

func decodeEvent(r any) (kvEvent, error) {
	get := map[string]any{}
	var kind string
	switch e := r.(type) {
	case []any:
		if len(e) == 0 {
			return kvEvent{}, fmt.Errorf("empty event")
		}
		kind, _ = e[0].(string)
		for i, f := range fields[kind] {
			if i+1 < len(e) {
				get[f] = e[i+1]
			}
		}
	case map[string]any:
		kind, _ = e["type"].(string)
		get = e
	default:
		return kvEvent{}, fmt.Errorf("a %T, want an array or a map", r)
	}
	if _, ok := fields[kind]; !ok {
		return kvEvent{}, fmt.Errorf("unknown event type %q", kind)
	}
	ev := kvEvent{kind: kind}
	if kind == "AllBlocksCleared" {
		return ev, nil
	}
	hs, ok := get["block_hashes"].([]any)
	if !ok {
		return ev, fmt.Errorf("%s: block_hashes is a %T", kind, get["block_hashes"])
	}
	for _, h := range hs {
		u, ok := toUint(h)
		if !ok {
			return ev, fmt.Errorf("%s: hash %v is a %T", kind, h, h)
		}
		ev.hashes = append(ev.hashes, u)
	}
	if kind == "BlockRemoved" {
		return ev, nil
	}
	if p := get["parent_block_hash"]; p != nil {
		u, ok := toUint(p)
		if !ok {
			return ev, fmt.Errorf("BlockStored: parent hash %v is a %T", p, p)
		}
		ev.parent, ev.hasParent = u, u != 0 // llm-d reads 0 as no parent
	}
	ts, ok := get["token_ids"].([]any)
	if !ok {
		return ev, fmt.Errorf("BlockStored: token_ids is a %T", get["token_ids"])
	}
	for _, t := range ts {
		u, ok := toUint(t)
		if !ok || u > 1<<31-1 {
			return ev, fmt.Errorf("BlockStored: token id %v", t)
		}
		ev.tokens = append(ev.tokens, int32(u))
	}
	bs, ok := toUint(get["block_size"])
	if !ok || bs == 0 || bs > 1<<20 {
		return ev, fmt.Errorf("BlockStored: block_size %v", get["block_size"])
	}
	ev.blockSize = int(bs)
	return ev, nil
}

// toUint reads a non-negative MessagePack integer of any width.
func toUint(v any) (uint64, bool) {
	switch n := v.(type) {
	case uint8:
		return uint64(n), true
	case uint16:
		return uint64(n), true
	case uint32:
		return uint64(n), true
	case uint64:
		return n, true
	case int8:
		return uint64(n), n >= 0
	case int16:
		return uint64(n), n >= 0
	case int32:
		return uint64(n), n >= 0
	case int64:
		return uint64(n), n >= 0
	}
	return 0, false
}
