// Command sekimori is the Sekimori security and network operations
// platform: one binary for serving, administration and search.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/sekimori/sekimori/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin}, os.Args[1:])
	stop()
	os.Exit(code)
}
