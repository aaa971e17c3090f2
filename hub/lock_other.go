//go:build !unix

package hub

// lockFile does not lock where there is no flock: two pulls of one
// repository at once may then spoil each other's partial downloads (the
// hash check catches it).
func lockFile(p string) (unlock func(), err error) {
	return func() {}, nil
}
