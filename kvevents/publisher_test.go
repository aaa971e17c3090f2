package kvevents_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/herd-llm/herd/kvevents"
)

// The subscriber and replay client here are go-zeromq/zmq4 (an independent
// ZMTP implementation) and the payloads are decoded with
// vmihailenco/msgpack, not herd's encoder. The expected schema is vLLM's
// vllm/distributed/kv_events.py at 0181ea3173e53eea8cf04a86891488e3dc89bb34
// and llm-d-kv-cache's engineadapter/vllm_adapter.go at
// 0d2ae5460e64a5b53c725cb38fd6f6a411c06568.

var fixedTime = time.Unix(1780000000, 250_000_000)

func start(t *testing.T, f kvevents.Format) *kvevents.Publisher {
	t.Helper()
	p, err := kvevents.New(kvevents.Options{Endpoint: "tcp://127.0.0.1:0", ReplayEndpoint: "tcp://127.0.0.1:0",
		Pod: "pod-a", Model: "llama-4-scout", Format: f, Now: func() time.Time { return fixedTime }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func subscribe(t *testing.T, p *kvevents.Publisher, filter string) zmq4.Socket {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sub := zmq4.NewSub(ctx)
	t.Cleanup(func() { sub.Close(); cancel() })
	if err := sub.Dial("tcp://" + p.Addr().String()); err != nil {
		t.Fatal(err)
	}
	if err := sub.SetOption(zmq4.OptionSubscribe, filter); err != nil {
		t.Fatal(err)
	}
	return sub
}

// waitSubscribers waits until n subscribers match the publisher's topic
// (a PUB drops what it sends before a subscription arrives).
func waitSubscribers(t *testing.T, p *kvevents.Publisher, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); p.Subscribers() != n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers match %q, want %d", p.Subscribers(), p.Topic(), n)
		}
	}
}

func recv(t *testing.T, s zmq4.Socket) [][]byte {
	t.Helper()
	type res struct {
		m   zmq4.Msg
		err error
	}
	c := make(chan res, 1)
	go func() { m, err := s.Recv(); c <- res{m, err} }()
	select {
	case r := <-c:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.m.Frames
	case <-time.After(10 * time.Second):
		t.Fatal("no message within 10 s")
	}
	return nil
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	d := msgpack.NewDecoder(bytes.NewReader(b))
	d.UseLooseInterfaceDecoding(true) // integers as int64/uint64
	v, err := d.DecodeInterface()
	if err != nil {
		t.Fatalf("payload does not decode: %v", err)
	}
	return v
}

// num turns a decoded integer into int64 for comparison.
func num(v any) any {
	switch x := v.(type) {
	case int64:
		return x
	case uint64:
		if x <= 1<<63-1 {
			return int64(x)
		}
	}
	return v
}

func nums(vs ...any) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = num(v)
	}
	return out
}

func normalize(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = normalize(x[i])
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	}
	return num(v)
}

const big = uint64(0xfedcba9876543210) // needs uint64 in msgpack

// events publishes one batch per kind, receiving each before the next so
// each is its own batch, and returns the received messages.
func events(t *testing.T, p *kvevents.Publisher, sub zmq4.Socket) [][][]byte {
	calls := []func(){
		func() { p.BlocksStored(0, false, []uint64{1, big}, []int32{0, 1, 2, 200000, 5, 6, 7, 128}, 4) },
		func() { p.BlocksStored(big, true, []uint64{300}, []int32{9, 8, 7, 6}, 4) },
		func() { p.BlocksRemoved([]uint64{1, big}) },
		func() { p.AllBlocksCleared() },
	}
	var msgs [][][]byte
	for _, c := range calls {
		c()
		msgs = append(msgs, recv(t, sub))
	}
	return msgs
}

func TestEventsDecodeIndependently(t *testing.T) {
	ts := float64(fixedTime.UnixNano()) / 1e9
	tokens1 := nums(int64(0), int64(1), int64(2), int64(200000), int64(5), int64(6), int64(7), int64(128))
	tokens2 := nums(int64(9), int64(8), int64(7), int64(6))
	cases := []struct {
		format kvevents.Format
		want   []any // decoded payload of each batch
	}{
		{kvevents.Arrays, []any{
			[]any{ts, []any{[]any{"BlockStored", nums(int64(1), big), nil, tokens1, int64(4), nil, "GPU", nil}}, int64(0)},
			[]any{ts, []any{[]any{"BlockStored", nums(int64(300)), big, tokens2, int64(4), nil, "GPU", nil}}, int64(0)},
			[]any{ts, []any{[]any{"BlockRemoved", nums(int64(1), big), "GPU"}}, int64(0)},
			[]any{ts, []any{[]any{"AllBlocksCleared"}}, int64(0)},
		}},
		{kvevents.Maps, []any{
			map[string]any{"ts": ts, "data_parallel_rank": int64(0), "events": []any{map[string]any{"type": "BlockStored",
				"block_hashes": nums(int64(1), big), "parent_block_hash": nil, "token_ids": tokens1, "block_size": int64(4),
				"lora_id": nil, "medium": "GPU", "lora_name": nil}}},
			map[string]any{"ts": ts, "data_parallel_rank": int64(0), "events": []any{map[string]any{"type": "BlockStored",
				"block_hashes": nums(int64(300)), "parent_block_hash": big, "token_ids": tokens2, "block_size": int64(4),
				"lora_id": nil, "medium": "GPU", "lora_name": nil}}},
			map[string]any{"ts": ts, "data_parallel_rank": int64(0), "events": []any{map[string]any{"type": "BlockRemoved",
				"block_hashes": nums(int64(1), big), "medium": "GPU"}}},
			map[string]any{"ts": ts, "data_parallel_rank": int64(0), "events": []any{map[string]any{"type": "AllBlocksCleared"}}},
		}},
	}
	for _, c := range cases {
		t.Run(c.format.String(), func(t *testing.T) {
			p := start(t, c.format)
			sub := subscribe(t, p, "kv@pod-a@")
			subscribe(t, p, "kv@pod-b@") // another pod's: sent nothing
			waitSubscribers(t, p, 1)
			msgs := events(t, p, sub)
			for i, m := range msgs {
				if len(m) != 3 {
					t.Fatalf("batch %d: %d frames, want 3 [topic, seq, payload]", i, len(m))
				}
				if string(m[0]) != "kv@pod-a@llama-4-scout" {
					t.Errorf("batch %d: topic %q", i, m[0])
				}
				if len(m[1]) != 8 || binary.BigEndian.Uint64(m[1]) != uint64(i) {
					t.Errorf("batch %d: sequence frame % x, want %d as 8 bytes big-endian", i, m[1], i)
				}
				got := normalize(decode(t, m[2]))
				if !reflect.DeepEqual(got, normalize(c.want[i])) {
					t.Errorf("batch %d:\n got %#v\nwant %#v", i, got, normalize(c.want[i]))
				}
			}
			if c.format == kvevents.Arrays {
				checkLLMDStructs(t, msgs)
			}
			checkReplay(t, p, msgs)
		})
	}
}

// The structs llm-d-kv-cache's vLLM adapter decodes into (array-tagged,
// optional fields as pointers), written here from its field list.
type llmdBatch struct {
	_                struct{} `msgpack:",array"`
	TS               float64
	Events           []msgpack.RawMessage
	DataParallelRank *int `msgpack:",omitempty"`
}

type llmdStored struct {
	_               struct{} `msgpack:",array"`
	Tag             string
	BlockHashes     []any
	ParentBlockHash any
	TokenIds        []uint32
	BlockSize       int
	LoraID          *int    `msgpack:",omitempty"`
	Medium          *string `msgpack:",omitempty"`
	LoraName        *string `msgpack:",omitempty"`
}

type llmdRemoved struct {
	_           struct{} `msgpack:",array"`
	Tag         string
	BlockHashes []any
	Medium      *string `msgpack:",omitempty"`
}

func checkLLMDStructs(t *testing.T, msgs [][][]byte) {
	var b llmdBatch
	if err := msgpack.Unmarshal(msgs[1][2], &b); err != nil {
		t.Fatalf("llm-d batch struct: %v", err)
	}
	if b.DataParallelRank == nil || *b.DataParallelRank != 0 || len(b.Events) != 1 {
		t.Fatalf("llm-d batch: %+v", b)
	}
	var s llmdStored
	if err := msgpack.Unmarshal(b.Events[0], &s); err != nil {
		t.Fatalf("llm-d BlockStored struct: %v", err)
	}
	if s.Tag != "BlockStored" || fmt.Sprint(s.BlockHashes) != "[300]" || fmt.Sprint(s.ParentBlockHash) != fmt.Sprint(big) ||
		!reflect.DeepEqual(s.TokenIds, []uint32{9, 8, 7, 6}) || s.BlockSize != 4 || s.LoraID != nil || s.Medium == nil || *s.Medium != "GPU" || s.LoraName != nil {
		t.Errorf("llm-d BlockStored: %+v", s)
	}
	if err := msgpack.Unmarshal(msgs[2][2], &b); err != nil {
		t.Fatal(err)
	}
	var r llmdRemoved
	if err := msgpack.Unmarshal(b.Events[0], &r); err != nil {
		t.Fatalf("llm-d BlockRemoved struct: %v", err)
	}
	if r.Tag != "BlockRemoved" || fmt.Sprint(r.BlockHashes) != fmt.Sprint([]uint64{1, big}) || r.Medium == nil || *r.Medium != "GPU" {
		t.Errorf("llm-d BlockRemoved: %+v", r)
	}
}

// checkReplay asks the replay socket for every batch from each sequence
// number and expects exactly the published ones from there, then the end
// marker [-1, empty].
func checkReplay(t *testing.T, p *kvevents.Publisher, msgs [][][]byte) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := zmq4.NewDealer(ctx)
	defer d.Close()
	if err := d.Dial("tcp://" + p.ReplayAddr().String()); err != nil {
		t.Fatal(err)
	}
	for from := 0; from <= len(msgs); from++ {
		var seq [8]byte
		binary.BigEndian.PutUint64(seq[:], uint64(from))
		if err := d.Send(zmq4.NewMsgFrom([]byte{}, seq[:])); err != nil {
			t.Fatal(err)
		}
		for i := from; i < len(msgs); i++ {
			got := recv(t, d)
			if len(got) != 3 || len(got[0]) != 0 || !bytes.Equal(got[1], msgs[i][1]) || !bytes.Equal(got[2], msgs[i][2]) {
				t.Fatalf("replay from %d, batch %d: got %d frames % x", from, i, len(got), got)
			}
		}
		end := recv(t, d)
		if len(end) != 3 || len(end[0]) != 0 || int64(binary.BigEndian.Uint64(end[1])) != -1 || len(end[2]) != 0 {
			t.Fatalf("replay from %d: end marker % x, want [\"\", -1, \"\"]", from, end)
		}
	}
}

// TestNilPublisher: a nil *Publisher, what herd serve has without
// --kv-events, takes every observer call and Close without effect.
func TestNilPublisher(t *testing.T) {
	var p *kvevents.Publisher
	p.BlocksStored(1, true, []uint64{2}, []int32{3}, 1)
	p.BlocksRemoved([]uint64{2})
	p.AllBlocksCleared()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
