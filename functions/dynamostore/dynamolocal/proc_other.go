//go:build !linux

package dynamolocal

import "os/exec"

// dieWithParent has no portable equivalent; Stop ends the server.
func dieWithParent(*exec.Cmd) {}
