package kvcache

import (
	"fmt"

	"github.com/herd-llm/herd/kernels/attention"
	"github.com/herd-llm/herd/tensor"
)

// Keys and values are stored in one of the tensor.DType types the KV kernels
// read in place: tensor.F32, BF16, F16 or Q8_0 (ggml blocks of 32 values: an
// f16 scale and 32 int8, 34 bytes). Rows are encoded and decoded with
// package quant's codecs and read by attention.DotsKV and attention.AxpysKV.

// ParseKVType reads a --kv-type name: f32, bf16, f16 or q8_0
// (case-insensitive).
func ParseKVType(s string) (tensor.DType, error) {
	d, err := tensor.ParseDType(s)
	if err != nil || !attention.IsKVType(d) {
		return 0, fmt.Errorf("kvcache: unknown cache type %q (want f32, bf16, f16 or q8_0)", s)
	}
	return d, nil
}

// checkType reports whether rows of headDim values can be stored as d.
func checkType(d tensor.DType, headDim int) error {
	if !attention.IsKVType(d) {
		return fmt.Errorf("kvcache: cache type %s is not one of F32, BF16, F16, Q8_0", d)
	}
	if bs := d.BlockSize(); headDim%bs != 0 {
		return fmt.Errorf("kvcache: %s needs a head dim divisible by %d, have %d", d.FlagName(), bs, headDim)
	}
	return nil
}

// rowBytes is the storage size of n values of type d, n/BlockSize whole
// blocks (checkType has made sure n is a multiple of the block size).
func rowBytes(d tensor.DType, n int) int { return n / d.BlockSize() * d.BlockBytes() }
