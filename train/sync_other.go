//go:build !unix

package train

// isUnsupportedSync: directories cannot be fsynced on this platform.
func isUnsupportedSync(error) bool { return true }
