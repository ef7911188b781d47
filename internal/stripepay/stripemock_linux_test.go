//go:build linux

package stripepay_test

import (
	"os/exec"
	"syscall"
)

// dieWithTests has stripe-mock killed if the test binary dies before
// TestMain stops it (a panic, a time-out), so that none is left running.
func dieWithTests(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
