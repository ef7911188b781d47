//go:build !linux

package stripepay_test

import "os/exec"

// dieWithTests does nothing where the system cannot tie a child's life to
// its parent's; TestMain still stops stripe-mock.
func dieWithTests(*exec.Cmd) {}
