package kvevents

import "fmt"

// Format selects how events are laid out in MessagePack.
//
// The schema is vLLM's vllm/distributed/kv_events.py (read at commit
// 0181ea3173e53eea8cf04a86891488e3dc89bb34) and the decoder that consumes
// it, llm-d-kv-cache's pkg/kvevents/engineadapter/vllm_adapter.go (read at
// commit 0d2ae5460e64a5b53c725cb38fd6f6a411c06568). See docs/kv-events.md.
type Format int

const (
	// Arrays is the positional layout (msgspec array_like structs), what
	// llm-d-kv-cache decodes today, and the default:
	//
	//	EventBatch       [ts float64, [event...], data_parallel_rank int]
	//	BlockStored      ["BlockStored", [hash...], parent|nil, [token...], block_size, lora_id nil, medium, lora_name nil]
	//	BlockRemoved     ["BlockRemoved", [hash...], medium]
	//	AllBlocksCleared ["AllBlocksCleared"]
	Arrays Format = iota
	// Maps is the 2026 tagged-map layout (msgspec tag=True structs without
	// array_like): each event is a map whose "type" key names its class,
	// and the batch is {"ts", "events", "data_parallel_rank"}. Fields with
	// defaults (extra_keys, group_idx, ...) are omitted, as msgspec's
	// omit_defaults does; fields without defaults are always present.
	Maps
)

// ParseFormat reads a --kv-events-format value: "arrays" or "maps".
func ParseFormat(s string) (Format, error) {
	switch s {
	case "arrays", "":
		return Arrays, nil
	case "maps":
		return Maps, nil
	}
	return 0, fmt.Errorf("kv events format %q: want arrays or maps", s)
}

func (f Format) String() string {
	if f == Maps {
		return "maps"
	}
	return "arrays"
}

type eventKind uint8

const (
	kindStored eventKind = iota
	kindRemoved
	kindCleared
)

// event is one KV-cache event, in the observer's terms. Slices are owned by
// the event (copied from the caller).
type event struct {
	kind      eventKind
	hashes    []uint64
	parent    uint64
	hasParent bool
	tokens    []int32
	blockSize int
}

// encodeBatch writes one EventBatch: ts in seconds since the Unix epoch,
// the events, and the data-parallel rank (herd has one: 0).
func encodeBatch(f Format, ts float64, evs []event, medium string) []byte {
	var e enc
	if f == Maps {
		e.mapHdr(3)
		e.str("ts")
		e.float64(ts)
		e.str("events")
	} else {
		e.array(3)
		e.float64(ts)
	}
	e.array(len(evs))
	for i := range evs {
		encodeEvent(&e, f, &evs[i], medium)
	}
	if f == Maps {
		e.str("data_parallel_rank")
	}
	e.int(0)
	return e.b
}

func encodeEvent(e *enc, f Format, ev *event, medium string) {
	// Each field is written as a key (maps) or in its position (arrays).
	key := func(k string) {
		if f == Maps {
			e.str(k)
		}
	}
	hashes := func() {
		key("block_hashes")
		e.array(len(ev.hashes))
		for _, h := range ev.hashes {
			e.uint(h)
		}
	}
	med := func() {
		key("medium")
		e.str(medium)
	}
	head := func(n int, tag string) {
		if f == Maps {
			e.mapHdr(n)
			e.str("type")
		} else {
			e.array(n)
		}
		e.str(tag)
	}
	switch ev.kind {
	case kindStored:
		head(8, "BlockStored")
		hashes()
		key("parent_block_hash")
		if ev.hasParent {
			e.uint(ev.parent)
		} else {
			e.nil()
		}
		key("token_ids")
		e.array(len(ev.tokens))
		for _, t := range ev.tokens {
			e.int(int64(t))
		}
		key("block_size")
		e.int(int64(ev.blockSize))
		key("lora_id")
		e.nil()
		med()
		key("lora_name")
		e.nil()
	case kindRemoved:
		head(3, "BlockRemoved")
		hashes()
		med()
	default:
		head(1, "AllBlocksCleared")
	}
}
