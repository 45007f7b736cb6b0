// Command portal builds, checks and serves an API developer portal.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/portal-dev/portal/cmd/portal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
