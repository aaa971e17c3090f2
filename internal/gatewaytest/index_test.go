package gatewaytest

import (
	"reflect"
	"testing"
)

// TestIndex: blocks placed from stored events (chained through parents the
// engine names by its own hashes), removed, cleared per pod, and matched by
// leading run.
func TestIndex(t *testing.T) {
	prompt := []int32{1, 2, 3, 4, 5, 6, 7} // blocks [1 2] [3 4] [5 6], then a partial block
	type step func(x *index)
	for _, tc := range []struct {
		name    string
		steps   []step
		query   []int32
		want    map[string]int
		orphans int
	}{
		{"empty", nil, prompt, map[string]int{}, 0},
		{"one event, three blocks", []step{
			func(x *index) { x.stored("a", 0, false, []uint64{10, 11, 12}, []int32{1, 2, 3, 4, 5, 6}, 2) },
		}, prompt, map[string]int{"a": 3}, 0},
		{"chained by the parent's engine hash", []step{
			func(x *index) { x.stored("a", 0, false, []uint64{10}, []int32{1, 2}, 2) },
			func(x *index) { x.stored("a", 10, true, []uint64{11}, []int32{3, 4}, 2) },
			func(x *index) { x.stored("b", 0, false, []uint64{99}, []int32{1, 2}, 2) },
		}, prompt, map[string]int{"a": 2, "b": 1}, 0},
		{"same tokens after another block do not match", []step{
			func(x *index) { x.stored("a", 0, false, []uint64{10, 11}, []int32{9, 9, 3, 4}, 2) },
		}, prompt, map[string]int{}, 0},
		{"unknown parent", []step{
			func(x *index) { x.stored("a", 77, true, []uint64{11}, []int32{3, 4}, 2) },
		}, prompt, map[string]int{}, 1},
		{"a removed middle block ends the run", []step{
			func(x *index) { x.stored("a", 0, false, []uint64{10, 11, 12}, []int32{1, 2, 3, 4, 5, 6}, 2) },
			func(x *index) { x.removed("a", []uint64{11}) },
		}, prompt, map[string]int{"a": 1}, 0},
		{"a child stored after its parent was evicted", []step{
			func(x *index) { x.stored("a", 0, false, []uint64{10, 11}, []int32{1, 2, 3, 4}, 2) },
			func(x *index) { x.removed("a", []uint64{11}) },
			func(x *index) { x.stored("a", 11, true, []uint64{12}, []int32{5, 6}, 2) },
		}, prompt, map[string]int{"a": 1}, 0},
		{"cleared forgets one pod", []step{
			func(x *index) { x.stored("a", 0, false, []uint64{10}, []int32{1, 2}, 2) },
			func(x *index) { x.stored("b", 0, false, []uint64{10}, []int32{1, 2}, 2) },
			func(x *index) { x.cleared("a") },
		}, prompt, map[string]int{"b": 1}, 0},
		{"wrong block size is refused", []step{
			func(x *index) { x.stored("a", 0, false, []uint64{10}, []int32{1, 2, 3}, 3) },
		}, prompt, map[string]int{}, 0},
	} {
		x := newIndex(2)
		for _, s := range tc.steps {
			s(x)
		}
		if got := x.matches(tc.query); !reflect.DeepEqual(got, tc.want) || x.orphans != tc.orphans {
			t.Errorf("%s: matches %v (%d orphans), want %v (%d)", tc.name, got, x.orphans, tc.want, tc.orphans)
		}
	}
}
