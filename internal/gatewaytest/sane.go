package gatewaytest

import (
	"bytes"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// maxDepth bounds how deeply a payload's arrays and maps may nest (an
// EventBatch needs 3).
const maxDepth = 8

// checkShape walks a MessagePack payload without decoding it, refusing
// arrays and maps that claim more elements than bytes remain (the generic
// decoder would allocate for the claim first) and nesting deeper than
// maxDepth.
func checkShape(b []byte) error {
	r := bytes.NewReader(b)
	d := msgpack.NewDecoder(r)
	var walk func(depth int) error
	walk = func(depth int) error {
		c, err := d.PeekCode()
		if err != nil {
			return err
		}
		n, per := 0, 0
		switch {
		case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
			n, err = d.DecodeArrayLen()
			per = 1
		case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
			n, err = d.DecodeMapLen()
			per = 2
		default:
			return d.Skip()
		}
		if err != nil {
			return err
		}
		if depth >= maxDepth {
			return fmt.Errorf("nested deeper than %d", maxDepth)
		}
		if n < 0 || n*per > r.Len() {
			return fmt.Errorf("a container of %d elements in %d bytes", n, r.Len())
		}
		for range n * per {
			if err := walk(depth + 1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(0)
}
