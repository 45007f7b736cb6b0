package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portal-dev/portal/cmd/portal/datadir"
	"github.com/portal-dev/portal/functions/password"
)

// portal admin users create|list|disable|enable on the data folder's
// store, the password from stdin.
func TestAdminUsersCommands(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	run := func(stdin string, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := runAdminWith(context.Background(), append(args, "--data", data), env(), strings.NewReader(stdin), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	for _, tc := range []struct {
		name, stdin string
		args        []string
		code        int
		stderr      string
	}{
		{"weak password", "password\n", []string{"users", "create", "ops@example.com", "--password-stdin"}, exitFailure, "password:"},
		{"bad email", "vX9#qLm2-river\n", []string{"users", "create", "not-an-email", "--password-stdin"}, exitFailure, "email: must be an email address"},
		{"empty stdin", "", []string{"users", "create", "ops@example.com", "--password-stdin"}, exitFailure, "stdin held no password"},
		{"no terminal", "vX9#qLm2-river\n", []string{"users", "create", "ops@example.com"}, exitUsage, "--password-stdin"},
		{"no such user", "", []string{"users", "disable", "nobody@example.com"}, exitFailure, "no admin user nobody@example.com"},
		{"no email", "", []string{"users", "create"}, exitUsage, `"users create" takes EMAIL`},
	} {
		code, _, stderr := run(tc.stdin, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%s: portal admin %s = %d, %q; want %d and %q", tc.name, strings.Join(tc.args, " "), code, stderr, tc.code, tc.stderr)
		}
	}

	code, out, stderr := run("vX9#qLm2-river\r\n", "users", "create", "Ops@Example.com", "--name", "Olga Ops", "--password-stdin")
	if code != exitOK || !strings.Contains(out, "created admin user Ops@Example.com") {
		t.Fatalf("users create = %d, %q %q", code, out, stderr)
	}
	code, _, stderr = run("vX9#qLm2-river\n", "users", "create", "ops@example.com", "--password-stdin")
	if code != exitFailure || !strings.Contains(stderr, "already has an admin user") {
		t.Errorf("users create (taken, other case) = %d, %q", code, stderr)
	}
	code, out, _ = run("", "users", "list")
	if code != exitOK || !strings.Contains(out, "Ops@Example.com") || !strings.Contains(out, "Olga Ops") || !strings.Contains(out, "active") {
		t.Errorf("users list = %d:\n%s", code, out)
	}
	code, out, stderr = run("", "users", "disable", "ops@example.com")
	if code != exitOK || !strings.Contains(out, "disabled admin user Ops@Example.com") {
		t.Errorf("users disable = %d, %q %q", code, out, stderr)
	}
	code, _, stderr = run("", "users", "disable", "ops@example.com")
	if code != exitFailure || !strings.Contains(stderr, "already disabled") {
		t.Errorf("users disable (again) = %d, %q", code, stderr)
	}
	code, out, _ = run("", "users", "list", "--json")
	if code != exitOK || !strings.Contains(out, `"status": "disabled"`) || strings.Contains(out, "argon2") {
		t.Errorf("users list --json = %d:\n%s", code, out)
	}

	// The stored password is the one sent, hashed with argon2id.
	st, err := datadir.OpenStore(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.GetAdminUserByEmail(context.Background(), "ops@example.com")
	if err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$") || password.Verify("vX9#qLm2-river", u.PasswordHash) != nil {
		t.Errorf("stored admin user = %+v, %v; want the password's argon2id hash", u, err)
	}
}
