//go:build !amd64 || purego

package kernels

// haveAsm reports whether this build contains the assembly kernels.
const haveAsm = false

// rowsAVX2 is never selected without assembly (useAVX2 is false).
func (m *mmTask) rowsAVX2(r0, r1 int) { m.rowsPortable(r0, r1) }
