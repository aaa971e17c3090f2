package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/herd-llm/herd/format/gguf"
)

// ggufWith returns a maker of the llama.cpp tiny GGUF with kv set.
func ggufWith(kv gguf.KV) func(t *testing.T) string {
	return func(t *testing.T) string {
		requireFile(t, hostileTinyGGUF)
		b, err := rewriteGGUF(hostileTinyGGUF, true, func(k string) bool { return k != kv.Key }, kv)
		if err != nil {
			t.Fatal(err)
		}
		return writeTemp(t, "hostile.gguf", b)
	}
}

// rewriteGGUF is the GGUF file at path written again with the metadata
// keys keep accepts, then extra, and its tensors when withTensors is set.
func rewriteGGUF(path string, withTensors bool, keep func(key string) bool, extra ...gguf.KV) ([]byte, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var kvs []gguf.KV
	for _, x := range f.KVs() {
		if keep(x.Key) {
			kvs = append(kvs, x)
		}
	}
	var ts []gguf.WriteTensor
	for _, ti := range f.Tensors() {
		x, err := f.Tensor(ti.Name)
		if err != nil || !withTensors {
			break
		}
		ts = append(ts, gguf.WriteTensor{Name: ti.Name, Type: ti.Type, Dims: ti.Dims, Data: x.Data})
	}
	var buf bytes.Buffer
	err = gguf.Write(&buf, append(kvs, extra...), ts, 0)
	return buf.Bytes(), err
}

// configWith returns a maker of a directory holding the tiny model with one
// config.json key changed.
func configWith(key string, v any) func(t *testing.T) string {
	return func(t *testing.T) string {
		dir := tinyCopy(t)
		var cfg map[string]any
		b, err := os.ReadFile(filepath.Join(dir, "config.json"))
		if err == nil {
			err = json.Unmarshal(b, &cfg)
		}
		if err != nil {
			t.Fatal(err)
		}
		cfg[key] = v
		if b, err = json.Marshal(cfg); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "config.json"), b)
		return dir
	}
}

// tinyCopy copies the tiny f32 model into a temporary directory.
func tinyCopy(t *testing.T) string {
	t.Helper()
	requireFile(t, filepath.Join(hostileTinyDir, "model.safetensors"))
	dir := t.TempDir()
	for _, n := range []string{"config.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(hostileTinyDir, n))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, n), b)
	}
	return dir
}

// withShard replaces the tiny model's safetensors file by shard.
func withShard(t *testing.T, shard []byte) string {
	dir := tinyCopy(t)
	writeFile(t, filepath.Join(dir, "model.safetensors"), shard)
	return dir
}

// shardOf is a safetensors file of the JSON header js and data bytes.
func shardOf(js string, data int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
	b = append(b, js...)
	return append(b, make([]byte, data)...)
}

func millionTensors(t *testing.T) string {
	var js strings.Builder
	js.WriteString("{")
	for i := range 1_000_000 {
		if i > 0 {
			js.WriteString(",")
		}
		js.WriteString(`"t` + strconv.Itoa(i) + `":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`)
	}
	js.WriteString("}")
	return withShard(t, shardOf(js.String(), 0))
}

func headerBeyondFile(t *testing.T) string {
	b := binary.LittleEndian.AppendUint64(nil, 1<<40)
	return withShard(t, append(b, "{}"...))
}

func truncatedShard(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join(hostileTinyDir, "model.safetensors"))
	if err != nil {
		t.Skipf("testdata absent: %v", err)
	}
	return withShard(t, b[:len(b)-100])
}

func overlappingShard(t *testing.T) string {
	js := `{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}`
	return withShard(t, shardOf(js, 24))
}

func writeTemp(t *testing.T, name string, b []byte) string {
	p := filepath.Join(t.TempDir(), name)
	writeFile(t, p, b)
	return p
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
