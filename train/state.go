package train

import (
	"fmt"
	"io"
	"slices"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/safetensors"
)

// statePrefixes are the tensor-name prefixes of the parameters and the two
// AdamW moments in every herd checkpoint (pre-training and post-training).
var statePrefixes = [3]string{ckParam, ckM, ckV}

// WriteState writes sets (parameters, first and second AdamW moments, each
// named with its checkpoint prefix), then extra, with meta to path
// atomically (checkpoint.WriteFileAtomic). The tensors are float32
// bit-exact.
func WriteState(path string, sets [3]*Params[float32], extra []*Tensor[float32], meta map[string]string) error {
	var all []*Tensor[float32]
	for i, p := range sets {
		for _, t := range p.Tensors {
			all = append(all, &Tensor[float32]{Name: statePrefixes[i] + t.Name, Shape: t.Shape, Data: t.Data})
		}
	}
	all = append(all, extra...)
	return checkpoint.WriteFileAtomic(path, func(w io.Writer) error {
		return WriteTensors(w, "", all, meta)
	})
}

// ReadState copies the parameters and AdamW moments that WriteState saved
// in f (opened from path) into sets, checking each tensor's dtype and shape.
func ReadState(f *safetensors.File, path string, sets [3]*Params[float32]) error {
	for i, set := range sets {
		for _, t := range set.Tensors {
			st, err := f.Tensor(statePrefixes[i] + t.Name)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if st.DType != "F32" || !slices.Equal(st.Shape, t.Shape) {
				return fmt.Errorf("%s: tensor %s is %s %v, want F32 %v", path, st.Name, st.DType, st.Shape, t.Shape)
			}
			v, err := st.Float32s()
			if err != nil {
				return fmt.Errorf("%s: tensor %s: %w", path, st.Name, err)
			}
			copy(t.Data, v)
		}
	}
	return nil
}
