//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// newGroup puts cmd in a process group of its own, so terminate reaches
// what it starts (go run's binary, a pipeline's commands).
func newGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// terminate signals cmd's process group: SIGKILL when kill, else SIGTERM.
func terminate(cmd *exec.Cmd, kill bool) {
	if cmd.Process == nil {
		return
	}
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
