package checkpoint

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

// ConvertJob asks for the matrix *P to become DType.
type ConvertJob struct {
	P     **tensor.Mat
	DType tensor.DType
}

// ConvertMats runs the conversions in parallel, replacing each *P, and
// reports the bytes of the matrices converted to prog as the step
// "convert" (nil: not at all). Scalar types are decoded and re-encoded row
// by row; block types go through Quantize's quantizer, and a matrix whose
// rows are not a whole number of blocks becomes F32.
func ConvertMats(jobs []ConvertJob, prog Progress) error {
	var total int64
	if prog != nil {
		for _, j := range jobs {
			total += int64(len((*j.P).Data))
		}
	}
	meter := startMeter(prog, "convert", total)
	out := make([]*tensor.Mat, len(jobs))
	err := parallel(len(jobs), func(i int) (err error) {
		out[i], err = convertMat(*jobs[i].P, jobs[i].DType)
		meter.add(int64(len((*jobs[i].P).Data)))
		return err
	})
	if err != nil {
		return err
	}
	meter.finish()
	for i, j := range jobs {
		*j.P = out[i]
	}
	return nil
}

// convertMat returns x in dtype t: scalar types by decoding and re-encoding
// each row, block types through quantizeMat (the quantizer of Quantize).
func convertMat(x *tensor.Mat, t tensor.DType) (*tensor.Mat, error) {
	if x.DType == t {
		return x, nil
	}
	if t.Quantized() {
		q, err := quantizeMat(x, t)
		if err != nil {
			return nil, err
		}
		if q == x { // rows not a whole number of 32-blocks: keep as F32
			return convertMat(x, tensor.F32)
		}
		return q, nil
	}
	es := t.Size()
	out := &tensor.Mat{DType: t, Rows: x.Rows, Cols: x.Cols, Data: make([]byte, x.Rows*x.Cols*es)}
	row := make([]float32, x.Cols)
	for r := 0; r < x.Rows; r++ {
		quant.DecodeRow(x, r, row)
		b := out.Data[r*x.Cols*es : (r+1)*x.Cols*es]
		for i, v := range row {
			switch t {
			case tensor.F32:
				binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
			case tensor.F16:
				binary.LittleEndian.PutUint16(b[2*i:], tensor.F32ToF16(v))
			case tensor.BF16:
				binary.LittleEndian.PutUint16(b[2*i:], tensor.F32ToBF16(v))
			default:
				return nil, fmt.Errorf("llama4: cannot convert to %s", t)
			}
		}
	}
	return out, out.Validate()
}
