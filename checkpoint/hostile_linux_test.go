//go:build linux

package checkpoint

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envHostileChild names the file a re-executed test binary inspects under
// a 2 GiB address-space limit.
const envHostileChild = "HERD_TEST_HOSTILE_INSPECT"

// TestMain runs Inspect in the child process of TestInspectHostileUnderRlimit.
func TestMain(m *testing.M) {
	if path := os.Getenv(envHostileChild); path != "" {
		os.Exit(hostileChild(path))
	}
	os.Exit(m.Run())
}

// hostileChild limits the address space to 2 GiB, inspects path and
// returns the exit status: 1 with the error on stderr, 0 on success.
func hostileChild(path string) int {
	lim := &syscall.Rlimit{Cur: 2 << 30, Max: 2 << 30}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, lim); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		return 3
	}
	if _, err := Inspect(path); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestInspectHostileUnderRlimit: in a process limited to 2 GiB of address
// space, each hostile file ends in exit status 1 with the expected message
// within 10 s, never in the runtime's "fatal error" or a panic.
func TestInspectHostileUnderRlimit(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary once per case")
	}
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.make(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), envHostileChild+"="+path)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			start := time.Now()
			err := cmd.Run()
			out := stderr.String()
			if ctx.Err() != nil {
				t.Fatalf("still running after %v: %s", time.Since(start), out)
			}
			code := cmd.ProcessState.ExitCode()
			if code != 1 {
				t.Fatalf("exit status %d (%v), want 1: %s", code, err, out)
			}
			for _, bad := range []string{"fatal error", "panic", "goroutine "} {
				if strings.Contains(out, bad) {
					t.Errorf("output has %q: %s", bad, out)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output %q lacks %q", out, w)
				}
			}
		})
	}
}
