package cli

import (
	"context"
	"fmt"
)

func runBenchIngest(ctx context.Context, env Env, args []string) error {
	return fmt.Errorf("bench ingest: not built yet")
}
