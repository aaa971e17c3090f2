package safetensors

import (
	"fmt"
	"io"
	"sync"

	"github.com/herd-llm/herd/internal/mmap"
)

// File is one open, memory-mapped safetensors file. Tensor data slices alias
// the read-only mapping and are valid until Close; writing to them faults.
// The methods are safe for concurrent use.
//
// The file must not be truncated while it is open: on Unix, touching a mapped
// page past the new end of file raises SIGBUS.
type File struct {
	// Path is the path the file was opened with.
	Path string
	// Header is the file's validated header.
	Header *Header

	mu      sync.RWMutex
	data    []byte       // the whole file, mapped; nil when the data section is empty
	release func() error // unmaps data; nil when nothing is mapped
	mapped  bool         // data comes from mmap.File (not from OpenBytes)
	closed  bool
}

// Tensor is one tensor's bytes plus its Info and the file it came from.
type Tensor struct {
	Info
	// File is the path of the file holding the tensor.
	File string
	// Data holds the tensor's End-Begin raw little-endian bytes. It aliases
	// the file's read-only mapping: do not modify it, and do not use it after
	// the File (or Set) is closed.
	Data []byte
}

// Open opens and validates the safetensors file at path and maps it into
// memory. Errors name the file.
func Open(path string) (*File, error) {
	return OpenLimits(path, DefaultLimits)
}

// OpenLimits is Open with the header held to lim.
func OpenLimits(path string, lim Limits) (*File, error) {
	f, err := open(path, lim)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return f, nil
}

// open is OpenLimits without the prefix on errors.
func open(path string, lim Limits) (*File, error) {
	osf, size, err := mmap.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer osf.Close() // the mapping outlives the descriptor
	if size < 8 {
		return nil, fmt.Errorf("file is too short (%d bytes) to hold the 8-byte header length", size)
	}
	var first [8]byte
	if _, err := osf.ReadAt(first[:], 0); err != nil {
		return nil, fmt.Errorf("reading header length: %w", err)
	}
	n, err := headerLen(first[:], size, lim)
	if err != nil {
		return nil, err
	}
	// n <= size-8 and n <= MaxHeaderSize, so this allocation is bounded by both.
	prefix := make([]byte, 8+n)
	if _, err := osf.ReadAt(prefix, 0); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("reading header: %w", err)
	}
	h, err := parseHeader(prefix, size, lim)
	if err != nil {
		return nil, err
	}
	f := &File{Path: path, Header: h}
	if size > h.DataStart {
		f.data, f.release, err = mmap.File(osf, int(size))
		if err != nil {
			return nil, err
		}
		f.mapped = true
	}
	return f, nil
}

// Close unmaps the file. Tensor data obtained from it must not be used
// afterwards. Closing twice is a no-op.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return mmap.Release(&f.closed, &f.data, &f.release, "safetensors: "+f.Path)
}

// Tensor returns the named tensor, its Data aliasing the mapping. The Info's
// Shape is a copy the caller may keep. A missing name gives an error matching
// ErrNotFound.
func (f *File) Tensor(name string) (*Tensor, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		return nil, fmt.Errorf("safetensors: %s: tensor %q: file is closed", f.Path, name)
	}
	info, ok := f.Header.Tensors[name]
	if !ok {
		return nil, notFound(name, f.Path)
	}
	t := &Tensor{Info: info, File: f.Path}
	t.Shape = append([]int{}, info.Shape...)
	if info.End > info.Begin {
		lo, hi := f.Header.DataStart+info.Begin, f.Header.DataStart+info.End
		if hi > int64(len(f.data)) { // cannot happen after validation; guard anyway
			return nil, fmt.Errorf("safetensors: %s: tensor %q: data [%d, %d) past the %d-byte mapping", f.Path, name, lo, hi, len(f.data))
		}
		t.Data = f.data[lo:hi:hi]
	} else {
		t.Data = []byte{}
	}
	return t, nil
}

// dontNeed is Set.DontNeed for a tensor of this file.
func (f *File) dontNeed(name string) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	info, ok := f.Header.Tensors[name]
	if !ok {
		return notFound(name, f.Path)
	}
	lo, hi := f.Header.DataStart+info.Begin, f.Header.DataStart+info.End
	if f.closed || !f.mapped || hi <= lo || hi > int64(len(f.data)) {
		return nil
	}
	if err := mmap.DontNeed(f.data[lo:hi]); err != nil {
		return fmt.Errorf("safetensors: %s: tensor %q: madvise: %w", f.Path, name, err)
	}
	return nil
}
