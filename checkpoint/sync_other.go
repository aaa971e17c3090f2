//go:build !unix

package checkpoint

// isUnsupportedSync: directories cannot be fsynced on this platform.
func isUnsupportedSync(error) bool { return true }
