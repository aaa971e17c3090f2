package mmap

import (
	"fmt"
	"math"
	"os"
)

// OpenRegular opens path for a reader that will map it: the file must be a
// regular file small enough to map into the address space. It returns the
// open file (the caller closes it; a mapping outlives the descriptor) and
// its size in bytes.
func OpenRegular(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	if st.Size() > math.MaxInt {
		f.Close()
		return nil, 0, fmt.Errorf("file of %d bytes is too large to map", st.Size())
	}
	return f, st.Size(), nil
}
