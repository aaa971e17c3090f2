//go:build !unix

package main

import (
	"os"
	"os/exec"
)

// newGroup does nothing where process groups are not available.
func newGroup(*exec.Cmd) {}

// terminate stops cmd's process: Kill when kill, else Interrupt.
func terminate(cmd *exec.Cmd, kill bool) {
	if cmd.Process == nil {
		return
	}
	if kill {
		_ = cmd.Process.Kill()
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
}
