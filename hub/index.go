package hub

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// indexFile lists the shards of a sharded safetensors checkpoint.
const indexFile = "model.safetensors.index.json"

// maxIndexBytes bounds the index read (real ones are well under 1 MB).
const maxIndexBytes = 64 << 20

// readShards returns the shard files named by the weight_map of the
// safetensors index at p: top-level *.safetensors names.
func readShards(p string) (map[string]bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxIndexBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", indexFile, err)
	}
	if len(b) > maxIndexBytes {
		return nil, fmt.Errorf("%s: over %d bytes", indexFile, maxIndexBytes)
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("%s: %w", indexFile, err)
	}
	shards := map[string]bool{}
	for tensor, s := range idx.WeightMap {
		if checkFile(s) != nil || strings.Contains(s, "/") || !strings.EqualFold(path.Ext(s), ".safetensors") {
			return nil, fmt.Errorf("%s: tensor %s is in %q, not a top-level .safetensors file", indexFile, tensor, s)
		}
		shards[s] = true
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("%s: empty weight_map", indexFile)
	}
	return shards, nil
}

// keepShards drops from files the safetensors files that shards does not
// list, and reports a listed shard that the repository lacks.
func keepShards(files []Sibling, shards map[string]bool, repo string) ([]Sibling, error) {
	var kept []Sibling
	found := map[string]bool{}
	for _, s := range files {
		if strings.EqualFold(path.Ext(s.Name), ".safetensors") && !strings.Contains(s.Name, "/") {
			if !shards[s.Name] {
				continue
			}
			found[s.Name] = true
		}
		kept = append(kept, s)
	}
	for s := range shards {
		if !found[s] {
			return nil, fmt.Errorf("%s: %s lists shard %s, which the repository does not have", repo, indexFile, s)
		}
	}
	return kept, nil
}
