package imageprompt

import (
	"errors"
	"reflect"
	"testing"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/vision"
)

func TestPlaceholders(t *testing.T) {
	const bos, img = 1, 9
	in := &Input{Tokens: vision.Tokens{Image: img}}
	for _, tc := range []struct {
		ids  []int32
		n    int
		want []int32
		bad  bool
	}{
		{[]int32{bos, 5, 6}, 2, []int32{bos, img, img, 5, 6}, false}, // none: after BOS
		{[]int32{5, 6}, 1, []int32{img, 5, 6}, false},                // no BOS: first
		{[]int32{bos, img, 5, img}, 2, []int32{bos, img, 5, img}, false},
		{[]int32{bos, img, 5}, 2, nil, true},
	} {
		got, err := in.Placeholders(tc.ids, bos, tc.n)
		if tc.bad {
			var u interface{ UsageError() bool }
			if !errors.As(err, &u) {
				t.Errorf("%v with %d images: %v, want a usage error", tc.ids, tc.n, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v with %d images: %v %v, want %v", tc.ids, tc.n, got, err, tc.want)
		}
	}
}

func TestParts(t *testing.T) {
	want := []chat.Part{{Image: true}, {Image: true}, {Text: "what is this?"}}
	if got := Parts(2, "what is this?"); !reflect.DeepEqual(got, want) {
		t.Errorf("Parts = %+v, want %+v", got, want)
	}
}
