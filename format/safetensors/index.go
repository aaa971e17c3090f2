package safetensors

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unicode/utf8"
)

// IndexName is the file name of a sharded checkpoint's index.
const IndexName = "model.safetensors.index.json"

// readIndex reads the index file at path and returns its weight map (tensor
// name -> shard file name, cleaned and relative to the index's directory).
// Shard names that are absolute or escape the directory are rejected.
func readIndex(path string, lim Limits) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	max := lim.headerBytes()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, limitErrorf("index is larger than the limit of %d bytes", max)
	}
	return parseIndex(b, lim)
}

// parseIndex parses {"metadata": ..., "weight_map": {name: shard}}. The
// metadata and other keys are ignored; duplicate keys are errors.
func parseIndex(b []byte, lim Limits) (map[string]string, error) {
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("index is not valid UTF-8")
	}
	if err := lim.precount(b, "index", ".safetensors"); err != nil {
		return nil, err
	}
	dec := newDecoder(bytes.NewReader(b))
	var wm map[string]string
	err := object(dec, "index", "key", func(key string) error {
		if key != "weight_map" {
			return skipValue(dec, "index: "+key)
		}
		wm = make(map[string]string)
		return object(dec, "index: weight_map", "tensor name", func(name string) error {
			if len(wm) >= lim.Tensors {
				return lim.tooMany("index", len(wm)+1)
			}
			shard, err := stringValue(dec, fmt.Sprintf("index: weight_map[%q]", name))
			if err != nil {
				return err
			}
			if !filepath.IsLocal(shard) {
				return fmt.Errorf("index: tensor %q maps to %q, which is outside the directory", name, shard)
			}
			wm[name] = filepath.Clean(shard)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if err := expectEnd(dec, "index"); err != nil {
		return nil, err
	}
	if wm == nil {
		return nil, fmt.Errorf("index has no \"weight_map\"")
	}
	if len(wm) == 0 {
		return nil, fmt.Errorf("index: weight_map is empty")
	}
	return wm, nil
}
