package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/password"
	"github.com/portal-dev/portal/functions/portal"
)

// Admin users log in to the admin console (/admin/login/). Like admin
// tokens they are made where the data lives: the data folder's store, or
// a deployed portal's table (--dynamodb-table).

func (a *adminRun) adminStore() (portal.AdminStore, error) {
	st, ok := a.store.(portal.AdminStore)
	if !ok {
		return nil, errors.New("this store keeps no admin users")
	}
	return st, nil
}

func (a *adminRun) createUser(ctx context.Context, _ string, args []string) error {
	st, err := a.adminStore()
	if err != nil {
		return err
	}
	pw, err := a.readPassword()
	if err != nil {
		return err
	}
	u, err := httpapi.CreateAdminUser(ctx, st, args[0], a.f.name, pw, password.Default, time.Now())
	var pe *portal.Error
	if errors.As(err, &pe) && len(pe.Fields) > 0 {
		var reasons []string
		for _, f := range pe.Fields {
			reasons = append(reasons, f.Field+": "+f.Reason)
		}
		return fmt.Errorf("admin user not created: %s", strings.Join(reasons, "; "))
	}
	if portal.IsCode(err, portal.EConflict) {
		return fmt.Errorf("admin user not created: %s already has an admin user (portal admin users list)", args[0])
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "created admin user %s (%s); log in at /admin/login/\n", u.Email, u.ID)
	return nil
}

// readPassword reads the new password: the first line of stdin with
// --password-stdin, else twice from the terminal without echo.
func (a *adminRun) readPassword() (string, error) {
	if a.f.passwordStdin {
		line, err := bufio.NewReader(io.LimitReader(a.stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read the password from stdin: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return "", errors.New("--password-stdin: stdin held no password (send it on the first line)")
		}
		return line, nil
	}
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usageError("no terminal to ask for the password on: send it with --password-stdin (echo \"$PASSWORD\" | portal admin users create EMAIL --password-stdin)")
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(a.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		return string(b), err
	}
	pw, err := ask("Password (8 to 128 characters, not a common one): ")
	if err != nil {
		return "", err
	}
	again, err := ask("The same password again: ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("the two passwords differ; nothing was created")
	}
	return pw, nil
}

func (a *adminRun) listUsers(ctx context.Context, _ string, _ []string) error {
	st, err := a.adminStore()
	if err != nil {
		return err
	}
	us, err := st.ListAdminUsers(ctx)
	if err != nil {
		return err
	}
	if a.f.json {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(us)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tSTATUS\tCREATED")
	for _, u := range us {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, clean(u.Email), clean(u.FullName), u.Status, u.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

func (a *adminRun) setUserStatus(ctx context.Context, verb string, args []string) error {
	st, err := a.adminStore()
	if err != nil {
		return err
	}
	to := portal.AdminDisabled
	if verb == "enable" {
		to = portal.AdminActive
	}
	u, err := httpapi.SetAdminUserStatus(ctx, st, args[0], to, time.Now())
	if portal.IsCode(err, portal.ENotFound) {
		return fmt.Errorf("no admin user %s (portal admin users list)", args[0])
	}
	if err != nil {
		return err
	}
	if to == portal.AdminDisabled {
		fmt.Fprintf(a.stdout, "disabled admin user %s (%s); their sessions have ended\n", u.Email, u.ID)
	} else {
		fmt.Fprintf(a.stdout, "enabled admin user %s (%s)\n", u.Email, u.ID)
	}
	return nil
}
