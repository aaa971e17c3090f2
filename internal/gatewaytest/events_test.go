package gatewaytest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

func pack(t *testing.T, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeBatch(t *testing.T) {
	big := uint64(1<<63 + 5)
	stored := kvEvent{kind: "BlockStored", hashes: []uint64{big, 7}, parent: 3, hasParent: true, tokens: []int32{1, 2, 3, 4}, blockSize: 2}
	first := kvEvent{kind: "BlockStored", hashes: []uint64{9}, tokens: []int32{5, 6}, blockSize: 2}
	removed := kvEvent{kind: "BlockRemoved", hashes: []uint64{7}}
	cleared := kvEvent{kind: "AllBlocksCleared"}
	for _, tc := range []struct {
		name    string
		batch   any
		want    []kvEvent
		wantErr string
	}{
		{"arrays", []any{1.5, []any{
			[]any{"BlockStored", []any{big, 7}, 3, []any{1, 2, 3, 4}, 2, nil, "GPU", nil},
			[]any{"BlockStored", []any{9}, nil, []any{5, 6}, 2, nil, "GPU", nil},
			[]any{"BlockRemoved", []any{7}, "GPU"},
			[]any{"AllBlocksCleared"},
		}, 0}, []kvEvent{stored, first, removed, cleared}, ""},
		{"maps", map[string]any{"ts": 1.5, "data_parallel_rank": 0, "events": []any{
			map[string]any{"type": "BlockStored", "block_hashes": []any{big, 7}, "parent_block_hash": 3, "token_ids": []any{1, 2, 3, 4}, "block_size": 2, "lora_id": nil, "medium": "GPU", "lora_name": nil},
			map[string]any{"type": "BlockStored", "block_hashes": []any{9}, "parent_block_hash": 0, "token_ids": []any{5, 6}, "block_size": 2},
			map[string]any{"type": "BlockRemoved", "block_hashes": []any{7}, "medium": "GPU"},
			map[string]any{"type": "AllBlocksCleared"},
		}}, []kvEvent{stored, first, removed, cleared}, ""},
		{"not a batch", "hello", nil, "want an array or a map"},
		{"short batch", []any{1.5, []any{}}, nil, "2 fields"},
		{"unknown event", []any{1.5, []any{[]any{"BlockMoved"}}, 0}, nil, `unknown event type "BlockMoved"`},
		{"negative hash", []any{1.5, []any{[]any{"BlockRemoved", []any{-1}, "GPU"}}, 0}, nil, "hash -1"},
		{"no tokens", []any{1.5, []any{[]any{"BlockStored", []any{1}, nil, nil, 2}}, 0}, nil, "token_ids"},
		{"huge map claim", []byte("\x92_\xdf\xc1\xcb,\x8e\xa7\xa7\x93Y\xe60"), nil, "container of"},
		{"too deep", []any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{1}}}}}}}}}, nil, "nested deeper"},
		{"zero block size", []any{1.5, []any{[]any{"BlockStored", []any{1}, nil, []any{1, 2}, 0}}, 0}, nil, "block_size 0"},
	} {
		b, ok := tc.batch.([]byte)
		if !ok {
			b = pack(t, tc.batch)
		}
		got, err := decodeBatch(b)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, %v\nwant %+v", tc.name, got, err, tc.want)
		}
	}
}

func FuzzDecodeBatch(f *testing.F) {
	for _, seed := range []any{
		[]any{1.5, []any{[]any{"BlockStored", []any{1}, nil, []any{1, 2}, 2, nil, "GPU", nil}}, 0},
		map[string]any{"events": []any{map[string]any{"type": "BlockRemoved", "block_hashes": []any{1}}}},
	} {
		b, err := msgpack.Marshal(seed)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := decodeBatch(b)
		if err != nil {
			return
		}
		for _, ev := range evs {
			if ev.kind == "BlockStored" && ev.blockSize <= 0 {
				t.Fatalf("decoded a BlockStored with block size %d", ev.blockSize)
			}
		}
	})
}
