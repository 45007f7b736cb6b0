// Command adminseed fills a data folder for make bench's Lighthouse run of
// the admin console: an admin user (ops@example.com, the password on
// stdin's first line) and 60 developers, every fourth one pending.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/portal-dev/portal/cmd/portal/datadir"
	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/password"
	"github.com/portal-dev/portal/functions/portal"
)

func main() {
	data := flag.String("data", ".portal", "the data `folder` to fill")
	flag.Parse()
	if err := run(*data); err != nil {
		fmt.Fprintln(os.Stderr, "adminseed:", err)
		os.Exit(1)
	}
}

func run(data string) error {
	pw, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	pw = strings.TrimSpace(pw)
	st, err := datadir.OpenStore(data)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Now().UTC()
	if _, err := httpapi.CreateAdminUser(ctx, st, "ops@example.com", "Olga Ops", pw, password.Default, now); err != nil {
		return err
	}
	for i := range 60 {
		at := now.Add(time.Duration(i) * time.Minute)
		d := portal.Developer{ID: fmt.Sprintf("dev-%03d", i), Email: fmt.Sprintf("developer%03d@example.com", i), FullName: fmt.Sprintf("Developer Number %03d", i),
			PasswordHash: "x", Status: portal.StatusApproved, EmailVerified: true, CreatedAt: at, UpdatedAt: at}
		if i%4 == 0 {
			d.Status = portal.StatusPending
		}
		if err := st.CreateDeveloper(ctx, d, portal.AuditEvent{At: at, Actor: "developer:" + d.ID, Action: "developer.created"}); err != nil {
			return err
		}
	}
	return nil
}
