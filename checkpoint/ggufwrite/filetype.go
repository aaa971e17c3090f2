package ggufwrite

import (
	"fmt"
	"github.com/herd-llm/herd/checkpoint"
	"slices"
)

// FileType is a GGUF file type Convert writes (herd convert --type).
type FileType uint8

// The file types; the zero value is FileF32.
const (
	FileF32 FileType = iota
	FileF16
	FileBF16
	FileQ8_0
	FileQ4_0
	FileQ4K
	FileQ4KM // llama-quantize's Q4_K_M mixture
	FileQ6K
)

// fileTypeRow is a file type's --type name, llama_ftype number and scheme.
type fileTypeRow struct {
	name   string
	ftype  uint32
	scheme checkpoint.Scheme
}

// fileTypes are the file types' --type names, llama.cpp's llama_ftype
// numbers (general.file_type), and the --quant scheme of the pure
// quantized types.
var fileTypes = [...]fileTypeRow{
	FileF32:  {"f32", 0, checkpoint.SchemeNone},
	FileF16:  {"f16", 1, checkpoint.SchemeNone},
	FileBF16: {"bf16", 32, checkpoint.SchemeNone},
	FileQ8_0: {"q8_0", 7, checkpoint.SchemeQ8_0},
	FileQ4_0: {"q4_0", 2, checkpoint.SchemeQ4_0},
	FileQ4K:  {"q4_k", 14 /* Q4_K_S */, checkpoint.SchemeQ4K},
	FileQ4KM: {"q4_k_m", 15, checkpoint.SchemeNone},
	FileQ6K:  {"q6_k", 18, checkpoint.SchemeQ6K},
}

// Types are the names of the file types, in FileType order.
var Types = func() []string {
	n := make([]string, len(fileTypes))
	for i, r := range fileTypes {
		n[i] = r.name
	}
	return n
}()

// ParseFileType reads a --type name ("" is f32).
func ParseFileType(name string) (FileType, error) {
	if name == "" {
		return FileF32, nil
	}
	if i := slices.Index(Types, name); i >= 0 {
		return FileType(i), nil
	}
	return 0, fmt.Errorf("unknown GGUF type %q (want one of %v)", name, Types)
}

// String is the file type's --type name.
func (t FileType) String() string {
	if int(t) < len(Types) {
		return Types[t]
	}
	return fmt.Sprintf("FileType(%d)", t)
}
