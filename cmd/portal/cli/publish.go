package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/portal-dev/portal/cmd/portal/datadir"
	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/functions/publish"
)

func runPublish(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlags("publish", "Mirror the catalog of the last build (catalog.json: APIs, visibility, auth strategy,\ngateway route, upstream) into the store: the local data folder, or a DynamoDB table.\nPublishing the same catalog again changes nothing.", stderr)
	data := fs.String("data", envDefault(getenv, "data", ".portal"), "data `folder` (env PORTAL_DATA)")
	catalog := fs.String("catalog", "", "catalog `file` (default <data>/catalog.json, written by portal build)")
	table := fs.String("dynamodb-table", getenv("PORTAL_TABLE"), "publish to this DynamoDB `table` with the AWS credentials of the environment (env PORTAL_TABLE)")
	if code, ok := parse(fs, args, stdout); !ok {
		return code
	}
	if *catalog == "" {
		*catalog = filepath.Join(*data, "catalog.json")
	}
	raw, err := os.ReadFile(*catalog)
	if errors.Is(err, os.ErrNotExist) {
		return fail(stderr, fmt.Errorf("%s does not exist; run portal build first (or pass --catalog)", *catalog))
	}
	if err != nil {
		return fail(stderr, err)
	}
	var st publish.Store
	where := ""
	if *table != "" {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return fail(stderr, fmt.Errorf("AWS configuration: %w", err))
		}
		st, where = dynamostore.New(dynamostore.NewClient(cfg), *table), "DynamoDB table "+*table
	} else {
		bolt, err := datadir.OpenStore(*data)
		if err != nil {
			return fail(stderr, err)
		}
		defer bolt.Close()
		st, where = bolt, filepath.Join(*data, "portal.db")
	}
	n, err := publish.Publish(ctx, st, raw, time.Now())
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "published %s to %s: %d API change(s)\n", *catalog, where, n)
	return exitOK
}
