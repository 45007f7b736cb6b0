package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/boltstore"
	"github.com/portal-dev/portal/functions/boltstore/bolttest"
	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/mail"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/publish"
)

// noMail drops the functions' mail: these tests read the CLI's output.
type noMail struct{}

func (noMail) Send(context.Context, string, string, mail.Data) error { return nil }

const adminCatalog = `{"portal":{"name":"acme"},"apis":[
 {"id":"api-pub","slug":"httpbin","name":"httpbin","version":"1.0","visibility":"public","auth_strategy":{"type":"key_auth","key_names":["apikey"]},"route_prefix":"/gateway/httpbin/","upstream_url":"httpbin"},
 {"id":"api-priv","slug":"secret","name":"Secret API","version":"2","visibility":"private","auth_strategy":{"type":"key_auth","key_names":["apikey"]},"route_prefix":"/gateway/secret/"}]}`

// adminPortal serves the management API on an embedded store, with the
// server's clock at a fixed instant, and holds two pending developers
// (Jane Doe with an application Checkout, registered pending to httpbin,
// and Bob), the catalog above and an admin token. admin runs
// `portal admin` against it, as a user does with --url and --token.
// seed, when given, adds to the store before the first command.
func adminPortal(t *testing.T, seed ...func(context.Context, *boltstore.Store, time.Time)) (admin func(args ...string) (stdout, stderr string, code int)) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2031, 5, 4, 9, 30, 0, 0, time.UTC)
	st := bolttest.Open(t)
	srv, err := httpapi.New(st, noMail{}, nil, httpapi.Config{BaseURL: "http://127.0.0.1:8080", Defaults: portal.Settings{Name: "acme", DisplayName: "Acme"}}, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	tok, _, err := httpapi.CreateAdminToken(ctx, st, "test", at)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := publish.Publish(ctx, st, []byte(adminCatalog), at); err != nil {
		t.Fatal(err)
	}
	ev := func(action string) portal.AuditEvent {
		return portal.AuditEvent{At: at, Actor: "system", Action: action}
	}
	for _, d := range []portal.Developer{
		{ID: "dev-jane", Email: "jane@example.com", FullName: "Jane Doe", Status: portal.StatusPending, EmailVerified: true, CreatedAt: at, UpdatedAt: at},
		{ID: "dev-bob", Email: "Bob@Example.com", FullName: "Bob", Status: portal.StatusPending, EmailVerified: true, CreatedAt: at.Add(time.Minute), UpdatedAt: at},
	} {
		if err := st.CreateDeveloper(ctx, d, ev("developer.created")); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateApplication(ctx, portal.Application{ID: "app-checkout", Name: "Checkout", DeveloperID: "dev-jane", AuthStrategyID: portal.DefaultAuthStrategyID, CreatedAt: at, UpdatedAt: at}, ev("application.created")); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateRegistration(ctx, portal.Registration{ID: "reg-1", ApplicationID: "app-checkout", APIID: "api-pub", Status: portal.RegistrationPending, CreatedAt: at, UpdatedAt: at}, ev("registration.created")); err != nil {
		t.Fatal(err)
	}
	for _, f := range seed {
		f(ctx, st, at)
	}
	return func(args ...string) (string, string, int) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := Main(ctx, append([]string{"admin"}, args...), env("PORTAL_URL", hs.URL, "PORTAL_ADMIN_TOKEN", tok), &out, &errOut)
		return out.String(), errOut.String(), code
	}
}

// lines is text with each line's runs of spaces made one, for comparing
// tables whatever their column widths.
func lines(s string) string {
	var out []string
	for l := range strings.Lines(s) {
		out = append(out, strings.Join(strings.Fields(l), " "))
	}
	return strings.Join(out, "\n")
}

// TestAdminCommands runs the admin's side of Kong's tutorial with the CLI,
// one step after another, checking each command's sentence or table and
// its exit code; mistakes are named on stderr.
func TestAdminCommands(t *testing.T) {
	t.Parallel()
	admin := adminPortal(t)
	steps := []struct {
		name   string
		args   []string
		code   int
		stdout string // the whole output, spaces collapsed (lines)
		stderr string // a regexp stderr must match; "" for empty
	}{
		{"developers by name", []string{"developers", "list"}, 0,
			"ID EMAIL NAME STATUS CREATED\ndev-jane jane@example.com Jane Doe pending 2031-05-04 09:30\ndev-bob Bob@Example.com Bob pending 2031-05-04 09:31", ""},
		{"approve by email", []string{"developers", "approve", "jane@example.com"}, 0,
			"approved developer Jane Doe <jane@example.com> (dev-jane)", ""},
		{"approve by email, in any case", []string{"developers", "approve", "bob@example.com"}, 0,
			"approved developer Bob <Bob@Example.com> (dev-bob)", ""},
		{"approve twice", []string{"developers", "approve", "dev-jane"}, 1, "",
			`409 Conflict: a developer who is approved cannot become approved`},
		{"approve nobody", []string{"developers", "approve", "nobody@example.com"}, 1, "",
			`no developer "nobody@example.com", by id or email address; portal admin developers list lists them`},
		{"bad status filter", []string{"developers", "list", "--status", "happy"}, 2, "",
			`--status "happy": must be pending, approved, rejected or revoked`},
		{"page past the end", []string{"developers", "list", "--page", "2"}, 0, "ID EMAIL NAME STATUS CREATED",
			`page 2 is past the end: 2 in all`},

		{"create a team", []string{"teams", "create", "Payments", "--description", "The payments team"}, 0, "", ""},
		{"add by team name and email", []string{"teams", "add-developer", "payments", "jane@example.com"}, 0,
			"added developer Jane Doe <jane@example.com> to team Payments", ""},
		{"members", []string{"teams", "developers", "Payments"}, 0,
			"ID EMAIL NAME STATUS\ndev-jane jane@example.com Jane Doe approved", ""},
		{"role by slug", []string{"teams", "assign-role", "Payments", "--api", "httpbin"}, 0,
			"team Payments now has API Consumer on httpbin (API api-pub)", ""},
		{"viewer by id", []string{"teams", "assign-role", "Payments", "--role", "API Viewer", "--api", "api-priv"}, 0,
			"team Payments now has API Viewer on Secret API (API api-priv)", ""},
		{"unknown API", []string{"teams", "assign-role", "Payments", "--api", "nonsense"}, 1, "",
			`400 Bad Request: .*\n  entity_id: "nonsense" names no published API; give a published API's id or slug \(portal admin apis list`},
		{"unknown role", []string{"teams", "assign-role", "Payments", "--role", "Owner", "--api", "httpbin"}, 1, "",
			`role_name: must be "API Viewer" or "API Consumer"`},
		{"no --api", []string{"teams", "assign-role", "Payments"}, 2, "",
			`assign-role needs --api SLUG\|ID`},
		{"unknown team", []string{"teams", "assign-role", "Nope", "--api", "httpbin"}, 1, "",
			`no team "Nope", by id or name; portal admin teams list lists them`},
		{"roles by name", []string{"teams", "roles", "Payments"}, 0, "", ""},
		{"remove", []string{"teams", "remove-developer", "Payments", "dev-jane"}, 0,
			"removed developer Jane Doe <jane@example.com> from team Payments", ""},

		{"registrations by name", []string{"registrations", "list", "--status", "pending"}, 0,
			"ID APPLICATION DEVELOPER API STATUS CREATED\nreg-1 Checkout jane@example.com httpbin pending 2031-05-04 09:30", ""},
		{"approve a registration by its id", []string{"registrations", "approve", "reg-1"}, 0,
			"approved registration reg-1 (application Checkout of jane@example.com → API httpbin)", ""},
		{"approve it again", []string{"registrations", "approve", "reg-1"}, 1, "",
			`409 Conflict: a registration that is approved cannot become approved`},
		{"unknown registration", []string{"registrations", "revoke", "reg-404"}, 1, "",
			`404 Not Found: no registration "reg-404"; portal admin registrations list`},
		{"the old form", []string{"registrations", "approve", "app-checkout", "reg-1"}, 2, "",
			`"registrations approve" takes REGISTRATION_ID\n\n(?s:.*)portal admin registrations approve\|reject\|revoke REGISTRATION_ID`},
		{"applications with owners", []string{"applications", "list"}, 0,
			"ID NAME OWNER TEAM CREATED\napp-checkout Checkout Jane Doe <jane@example.com> 2031-05-04 09:30", ""},
		{"the catalog", []string{"apis", "list"}, 0,
			"ID SLUG NAME VERSION VISIBILITY AUTH AUTO-APPROVE\napi-pub httpbin httpbin 1.0 public key-auth no\napi-priv secret Secret API 2 private key-auth no", ""},

		{"settings set", []string{"settings", "set", "rbac_enabled=true", "auto_approve_applications=true", "default_api_visibility=private"}, 0,
			"rbac_enabled: false → true\nauto_approve_applications: false → true\ndefault_api_visibility: public → private", ""},
		{"settings set, no change", []string{"settings", "set", "rbac_enabled=true"}, 0, "rbac_enabled is already true", ""},
		{"settings get", []string{"settings", "get"}, 0, "", ""},
		{"settings: mistakes", []string{"settings", "set", "rbac_enable=true", "rbac_enabled=yes", "default_page_visibility=secret", "display_name"}, 2, "",
			`settings set: unknown key "rbac_enable"; did you mean "rbac_enabled"\? \(the keys: display_name, authentication_enabled, rbac_enabled, .*\)\n` +
				`  rbac_enabled=yes: rbac_enabled must be true or false\n` +
				`  default_page_visibility=secret: default_page_visibility must be public or private\n` +
				`  "display_name": write KEY=VALUE, e.g. rbac_enabled=true`},
		{"settings: unknown strategy", []string{"settings", "set", "default_application_auth_strategy_id=nope"}, 1, "",
			`default_application_auth_strategy_id: "nope" names no auth strategy`},
		{"settings set needs a key", []string{"settings", "set"}, 2, "", `"settings set" takes KEY=VALUE...`},
	}
	for _, s := range steps {
		stdout, stderr, code := admin(s.args...)
		if code != s.code {
			t.Fatalf("%s: portal admin %s = exit %d, want %d\nstdout: %s\nstderr: %s", s.name, strings.Join(s.args, " "), code, s.code, stdout, stderr)
		}
		if s.stdout != "" && lines(stdout) != s.stdout {
			t.Errorf("%s: portal admin %s printed\n%s\nwant\n%s", s.name, strings.Join(s.args, " "), stdout, s.stdout)
		}
		if s.stderr == "" && stderr != "" || !regexp.MustCompile(s.stderr).MatchString(stderr) {
			t.Errorf("%s: portal admin %s: stderr\n%s\nwant it to match %s", s.name, strings.Join(s.args, " "), stderr, s.stderr)
		}
		switch s.name {
		case "create a team":
			if !regexp.MustCompile(`^created team Payments \([0-9a-f-]{36}\)\n$`).MatchString(stdout) {
				t.Errorf("teams create printed %q", stdout)
			}
		case "roles by name":
			// Both were assigned at the server's one instant: in either order.
			for _, re := range []string{`^ID +ROLE +API +SLUG\n`, `(?m)^\S+ +API Consumer +httpbin +httpbin$`, `(?m)^\S+ +API Viewer +Secret API +secret$`} {
				if !regexp.MustCompile(re).MatchString(stdout) || strings.Count(stdout, "\n") != 3 {
					t.Errorf("teams roles printed\n%s\nwant a header and two rows, one matching %s", stdout, re)
				}
			}
		case "settings get":
			for _, want := range []string{"name acme", "display_name Acme", "rbac_enabled true", "auto_approve_applications true", "default_api_visibility private", "default_application_auth_strategy_id (not set)\n"} {
				if !strings.Contains(lines(stdout)+"\n", want) {
					t.Errorf("settings get printed\n%s\nwant a line %q", stdout, want)
				}
			}
		}
	}
}

// TestAdminPages: lists come 100 rows a page, and say on stderr where
// more follow; a developer named by email and a team by name are found on
// any page.
func TestAdminPages(t *testing.T) {
	t.Parallel()
	admin := adminPortal(t, func(ctx context.Context, st *boltstore.Store, at time.Time) {
		for i := range 150 {
			at := at.Add(time.Duration(i+2) * time.Minute) // after Jane and Bob
			d := portal.Developer{ID: fmt.Sprintf("dev-%03d", i), Email: fmt.Sprintf("dev%03d@example.com", i), FullName: "Dev", Status: portal.StatusPending, CreatedAt: at, UpdatedAt: at}
			if err := st.CreateDeveloper(ctx, d, portal.AuditEvent{At: at, Actor: "system", Action: "developer.created"}); err != nil {
				t.Fatal(err)
			}
			if err := st.CreateTeam(ctx, portal.Team{ID: fmt.Sprintf("team-%03d", i), Name: fmt.Sprintf("Team %03d", i), CreatedAt: at, UpdatedAt: at}, portal.AuditEvent{At: at, Actor: "system", Action: "team.created"}); err != nil {
				t.Fatal(err)
			}
		}
	})
	for _, p := range []struct {
		page, rows int
		stderr     string
	}{
		{1, 100, "1–100 of 152; the next page: --page 2\n"},
		{2, 52, "101–152 of 152\n"},
	} {
		stdout, stderr, code := admin("developers", "list", "--page", strconv.Itoa(p.page))
		rows := strings.Split(strings.TrimSpace(lines(stdout)), "\n")
		if code != 0 || stderr != p.stderr || len(rows) != p.rows+1 {
			t.Errorf("developers list --page %d = exit %d, %d rows, stderr %q; want 0, %d rows, %q", p.page, code, len(rows)-1, stderr, p.rows, p.stderr)
		}
	}
	stdout, stderr, code := admin("teams", "add-developer", "team 149", "DEV149@example.com")
	if code != 0 || stdout != "added developer Dev <dev149@example.com> to team Team 149\n" {
		t.Errorf("add-developer on the second pages = exit %d, %q %s", code, stdout, stderr)
	}
}

// TestAdminTerminalSafety: names are the developers' own text; an escape
// sequence or a newline in one is shown, not obeyed, in tables and
// sentences alike, and --json escapes it as JSON does.
func TestAdminTerminalSafety(t *testing.T) {
	t.Parallel()
	const name = "Eve\x1b]0;owned\x07\x1b[2J\nreg-9 Forged\u202e"
	admin := adminPortal(t, func(ctx context.Context, st *boltstore.Store, at time.Time) {
		d := portal.Developer{ID: "dev-eve", Email: "eve@example.com", FullName: name, Status: portal.StatusPending, CreatedAt: at.Add(time.Hour), UpdatedAt: at}
		if err := st.CreateDeveloper(ctx, d, portal.AuditEvent{At: at, Actor: "system", Action: "developer.created"}); err != nil {
			t.Fatal(err)
		}
	})
	const shown = `Eve\u001b]0;owned\u0007\u001b[2J\u000areg-9 Forged\u202e`
	for _, args := range [][]string{{"developers", "list"}, {"developers", "approve", "eve@example.com"}} {
		stdout, stderr, code := admin(args...)
		if code != 0 || !strings.Contains(stdout, shown) || strings.ContainsAny(stdout, "\x1b\x07\u202e") || strings.Contains(stdout, "\nreg-9") {
			t.Errorf("portal admin %s = exit %d, printed %q (%s); want the name shown as %s", strings.Join(args, " "), code, stdout, stderr, shown)
		}
	}
	stdout, _, _ := admin("developers", "list", "--json")
	if strings.ContainsAny(stdout, "\x1b\x07") {
		t.Errorf("developers list --json printed raw control characters: %q", stdout)
	}
}

// TestAdminJSON: --json prints the API's JSON: a list's envelope, an
// action's object.
func TestAdminJSON(t *testing.T) {
	t.Parallel()
	admin := adminPortal(t)
	decode := func(args ...string) map[string]any {
		t.Helper()
		stdout, stderr, code := admin(append(args, "--json")...)
		var v map[string]any
		if err := json.Unmarshal([]byte(stdout), &v); code != 0 || err != nil {
			t.Fatalf("portal admin %s --json = exit %d, %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, err, stdout, stderr)
		}
		return v
	}
	l := decode("registrations", "list")
	data, _ := l["data"].([]any)
	if len(data) != 1 || l["meta"] == nil {
		t.Fatalf("registrations list --json = %v, want the envelope with one registration", l)
	}
	if app, _ := data[0].(map[string]any)["application"].(map[string]any); app["name"] != "Checkout" {
		t.Errorf("registrations list --json: %v, want the application named", data[0])
	}
	reg := decode("registrations", "approve", "reg-1")
	if reg["status"] != "approved" || reg["id"] != "reg-1" {
		t.Errorf("registrations approve --json = %v", reg)
	}
	if api, _ := reg["api"].(map[string]any); api["slug"] != "httpbin" {
		t.Errorf("registrations approve --json = %v, want the API named", reg)
	}
	if d := decode("developers", "approve", "dev-bob"); d["status"] != "approved" || d["email"] != "Bob@Example.com" {
		t.Errorf("developers approve --json = %v", d)
	}
	if team := decode("teams", "create", "Ops", "--can-own-applications"); team["name"] != "Ops" || team["can_own_applications"] != true {
		t.Errorf("teams create --json = %v", team)
	}
	if r := decode("teams", "assign-role", "Ops", "--api", "secret"); r["entity_id"] != "api-priv" || r["role_name"] != "API Consumer" {
		t.Errorf("teams assign-role --json = %v", r)
	}
	if st := decode("settings", "set", "auto_approve_developers=true"); st["auto_approve_developers"] != true {
		t.Errorf("settings set --json = %v", st)
	}
	if st := decode("settings", "get"); st["name"] != "acme" || st["auto_approve_developers"] != true {
		t.Errorf("settings get --json = %v", st)
	}
	if apis := decode("apis", "list"); len(apis["data"].([]any)) != 2 {
		t.Errorf("apis list --json = %v", apis)
	}
}

// TestAdminHelp: every command answers --help with its own usage lines,
// from the one command table, and exits 0.
func TestAdminHelp(t *testing.T) {
	t.Parallel()
	for _, c := range adminCommands {
		for _, verb := range strings.Split(c.verbs, "|") {
			t.Run(c.noun+" "+verb, func(t *testing.T) {
				t.Parallel()
				var out, errOut bytes.Buffer
				if code := Main(context.Background(), []string{"admin", c.noun, verb, "--help"}, env(), &out, &errOut); code != 0 {
					t.Fatalf("exit %d: %s", code, errOut.String())
				}
				line := strings.Join(append([]string{"portal admin", c.noun, c.verbs}, c.args...), " ")
				if !strings.Contains(errOut.String(), line) {
					t.Errorf("--help printed\n%s\nwant the line %q", errOut.String(), line)
				}
				for _, other := range adminCommands {
					if other.noun != c.noun && strings.Contains(errOut.String(), "portal admin "+other.noun+" ") {
						t.Errorf("--help of %s %s shows %s's usage too", c.noun, verb, other.noun)
						break
					}
				}
			})
		}
	}
}
