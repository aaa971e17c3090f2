package safetensors

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// residentBytes reads the process's resident set size from /proc.
func residentBytes(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm: %v", err)
	}
	f := strings.Fields(string(b))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}

// TestDontNeed checks that dropping a mapped tensor's pages shrinks the
// resident set by about its size and leaves its bytes readable and intact,
// and that sets over bytes in memory are left alone.
func TestDontNeed(t *testing.T) {
	const n = 32 << 20
	big := seq(7, n)
	file := encode(t, []WriteTensor{
		{Name: "big", DType: "U8", Shape: []int{n}, Data: big},
		{Name: "small", DType: "U8", Shape: []int{3}, Data: []byte{1, 2, 3}},
	}, nil)
	path := writeFile(t, t.TempDir(), "m.safetensors", file)
	set, err := OpenDir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	tb, err := set.Tensor("big")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(tb.Data, big) { // touches every page
		t.Fatal("tensor bytes differ from what was written")
	}
	if runtime.GOOS == "linux" {
		before := residentBytes(t)
		if err := set.DontNeed("big"); err != nil {
			t.Fatal(err)
		}
		after := residentBytes(t)
		if drop := before - after; drop < n*9/10 {
			t.Errorf("resident set went from %d to %d bytes: dropped %d, want about %d", before, after, drop, n)
		}
	} else if err := set.DontNeed("big"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(tb.Data, big) {
		t.Error("tensor bytes changed after DontNeed")
	}
	if err := set.DontNeed("missing"); err == nil {
		t.Error("DontNeed of a missing tensor: no error")
	}
	if err := set.DontNeedAll(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(tb.Data, big) {
		t.Error("tensor bytes changed after DontNeedAll")
	}

	mem, err := OpenBytes("mem", bytes.Clone(file))
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := mem.Tensor("big")
	if err := mem.DontNeedAll(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mb.Data, big) {
		t.Error("in-memory set: bytes changed by DontNeedAll (it must not advise ordinary memory)")
	}
}
