package dynamolocal

import (
	"os/exec"
	"syscall"
)

// dieWithParent kills DynamoDB Local when the test process dies, even from
// a panic or a timeout, so that no JVM outlives its tests.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
