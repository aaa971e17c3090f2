// Package version reports which herd build is running: the module version
// when built with `go install …@vX`, else the VCS revision stamped by
// `go build` in a git checkout, else "devel".
package version

import (
	"runtime/debug"
	"sync"
)

// Version is the herd version string shown by `herd --version`, in
// /v1/models and in /metrics, e.g. "v0.3.0", "devel+1a2b3c4d5e6f" or
// "devel+1a2b3c4d5e6f-dirty".
var Version = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return fromBuildInfo(bi)
})

func fromBuildInfo(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return "devel"
	}
	return "devel+" + rev + dirty
}
