package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/portal-dev/portal/cmd/portal/datadir"
	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/portal"
)

// adminCommand is one `portal admin` subcommand. The table of them,
// adminCommands, drives both the dispatch and the usage text.
type adminCommand struct {
	noun  string   // developers
	verbs string   // approve|reject|revoke: one line of usage, one command each
	args  []string // the arguments' names, in order
	flags string   // the command's own flags, for the usage text
	note  string   // a word of help after the usage line
	local bool     // it works on the data folder's store only (a.store: admin tokens)
	run   func(a *adminRun, ctx context.Context, verb string, args []string) error
}

const (
	statusFlag = "[--status pending|approved|rejected|revoked]"
	pageFlag   = "[--page N]"
)

var adminCommands = []adminCommand{
	{noun: "token", verbs: "create", flags: "[--name NAME]", note: "print a new admin token (shown once)", local: true, run: (*adminRun).createToken},
	{noun: "token", verbs: "list", local: true, run: (*adminRun).listTokens},
	{noun: "token", verbs: "revoke", args: []string{"ID"}, local: true, run: (*adminRun).revokeToken},
	{noun: "developers", verbs: "list", flags: statusFlag + " " + pageFlag, run: (*adminRun).listDevelopers},
	{noun: "developers", verbs: "approve|reject|revoke", args: []string{"DEVELOPER"}, note: "DEVELOPER: an id or email address", run: (*adminRun).decideDeveloper},
	{noun: "developers", verbs: "delete", args: []string{"DEVELOPER"}, note: "with their applications and keys", run: (*adminRun).deleteDeveloper},
	{noun: "teams", verbs: "list", flags: pageFlag, run: (*adminRun).listTeams},
	{noun: "teams", verbs: "create", args: []string{"NAME"}, flags: "[--description TEXT] [--can-own-applications]", run: (*adminRun).createTeam},
	{noun: "teams", verbs: "developers", args: []string{"TEAM"}, note: "the team's members; TEAM: its id or name", run: (*adminRun).listMembers},
	{noun: "teams", verbs: "add-developer|remove-developer", args: []string{"TEAM", "DEVELOPER"}, run: (*adminRun).teamMember},
	{noun: "teams", verbs: "assign-role", args: []string{"TEAM"}, flags: `[--role "API Viewer"|"API Consumer"] --api SLUG|ID`, note: "the role defaults to API Consumer", run: (*adminRun).assignRole},
	{noun: "teams", verbs: "roles", args: []string{"TEAM"}, run: (*adminRun).listRoles},
	{noun: "registrations", verbs: "list", flags: statusFlag + " " + pageFlag, note: "application, developer and API by name", run: (*adminRun).listRegistrations},
	{noun: "registrations", verbs: "approve|reject|revoke", args: []string{"REGISTRATION_ID"}, run: (*adminRun).decideRegistration},
	{noun: "applications", verbs: "list", flags: pageFlag, note: "with their owners", run: (*adminRun).listApplications},
	{noun: "apis", verbs: "list", note: "the published catalog: the slugs and ids --api takes", run: (*adminRun).listAPIs},
	{noun: "settings", verbs: "get", run: (*adminRun).getSettings},
	{noun: "settings", verbs: "set", args: []string{"KEY=VALUE..."}, note: "e.g. rbac_enabled=true (settings get lists the keys)", run: (*adminRun).setSettings},
}

// decisions are the statuses the admin's verbs decide.
var decisions = map[string]string{"approve": "approved", "reject": "rejected", "revoke": "revoked"}

// adminUsage is the usage text of portal admin, one line per command of
// adminCommands; with words (developers, or developers approve), only the
// lines of those commands, when there are any.
func adminUsage(words ...string) string {
	match := func(c adminCommand) bool {
		return len(words) == 0 || c.noun == words[0] && (len(words) < 2 || slices.Contains(strings.Split(c.verbs, "|"), words[1]))
	}
	if !slices.ContainsFunc(adminCommands, match) {
		words = nil
	}
	var b strings.Builder
	b.WriteString(`portal admin manages a portal's developers, teams, applications, registrations,
settings and admin tokens, in the local data folder (--data, the default) or on a
deployed portal (--url and --token). Actions print a sentence, lists a table;
--json prints the API's JSON instead.

Usage:

`)
	for _, c := range adminCommands {
		if !match(c) {
			continue
		}
		words := append([]string{"\tportal admin", c.noun, c.verbs}, c.args...)
		if c.flags != "" {
			words = append(words, c.flags)
		}
		b.WriteString(strings.Join(words, " "))
		if c.note != "" {
			b.WriteString("\n\t    " + c.note)
		}
		b.WriteString("\n")
	}
	b.WriteString(`
TEAM is a team's id or name, DEVELOPER a developer's id or email address.

Flags (after the command's words):

	--data FOLDER   local data folder (default .portal; env PORTAL_DATA)
	--url URL       a deployed portal's URL (env PORTAL_URL)
	--token TOKEN   an admin token for --url (env PORTAL_ADMIN_TOKEN)
	--json          print the API's JSON (a list's envelope, an action's object)
	--page N        a list's page, 100 a page (default 1)
	--dynamodb-table TABLE   admin tokens in a deployed portal's table, with your
	                AWS credentials (portal deploy prints the table's name)
`)
	return b.String()
}

// adminFlags are the flags every admin command takes.
type adminFlags struct {
	data, url, token, name, status, description, role, api string
	table                                                  string // tokens in a deployed portal's DynamoDB table
	json                                                   bool
	canOwn                                                 bool // teams create --can-own-applications
	page                                                   int  // a list's page number
}

func runAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	// Words first (token create, developers approve ID), flags anywhere.
	var words []string
	var rest []string
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			rest = append(rest, args[i:]...)
			break
		}
		words = append(words, args[i])
	}
	fs := flag.NewFlagSet("portal admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), adminUsage(words...)) }
	var f adminFlags
	fs.StringVar(&f.data, "data", envDefault(getenv, "data", ".portal"), "local data `folder`")
	fs.StringVar(&f.url, "url", getenv("PORTAL_URL"), "deployed portal `URL`")
	fs.StringVar(&f.token, "token", getenv("PORTAL_ADMIN_TOKEN"), "admin `token` for --url")
	fs.StringVar(&f.name, "name", "", "token `name`")
	fs.StringVar(&f.status, "status", "", "developer `status` filter")
	fs.StringVar(&f.description, "description", "", "team `description`")
	fs.StringVar(&f.role, "role", portal.RoleAPIConsumer, "`role`: API Viewer or API Consumer")
	fs.StringVar(&f.api, "api", "", "the API's `slug or id` (portal admin apis list)")
	fs.StringVar(&f.table, "dynamodb-table", "", "admin tokens: a deployed portal's DynamoDB `table`")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	fs.BoolVar(&f.canOwn, "can-own-applications", false, "teams create: members may create applications the team shares")
	fs.IntVar(&f.page, "page", 1, "a list's page `number`")
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	words = append(words, fs.Args()...)
	if len(words) == 0 || words[0] == "help" {
		if len(words) == 0 {
			fmt.Fprint(stderr, adminUsage())
			return exitUsage
		}
		fmt.Fprint(stdout, adminUsage(words[1:]...))
		return exitOK
	}
	if f.page < 1 {
		fmt.Fprintf(stderr, "portal admin: --page %d: a page number is 1 or more\n", f.page)
		return exitUsage
	}
	a := &adminRun{f: f, stdout: stdout, stderr: stderr}
	if err := a.run(ctx, words); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "portal admin: %v\n\n%s", err, adminUsage(words...))
			return exitUsage
		}
		fmt.Fprintf(stderr, "portal admin: %v\n", err)
		return exitFailure
	}
	return exitOK
}

type usageError string

func (e usageError) Error() string { return string(e) }

type adminRun struct {
	f              adminFlags
	stdout, stderr io.Writer
	// api sends a management API request, locally or to --url, with
	// extra headers (name, value pairs); it returns the status, the
	// answer's headers and its body.
	api func(ctx context.Context, method, path string, body any, hdr ...string) (int, http.Header, []byte, error)
	// store is the data folder's store, open for a local command.
	store portal.Store
}

// run finds the command of words in adminCommands, checks its arguments
// and runs it, connected to the portal unless it is local.
func (a *adminRun) run(ctx context.Context, words []string) error {
	if len(words) < 2 {
		return usageError(fmt.Sprintf("unknown command %q", strings.Join(words, " ")))
	}
	i := slices.IndexFunc(adminCommands, func(c adminCommand) bool {
		return c.noun == words[0] && slices.Contains(strings.Split(c.verbs, "|"), words[1])
	})
	if i < 0 {
		return usageError(fmt.Sprintf("unknown command %q", words[0]+" "+words[1]))
	}
	c, args := adminCommands[i], words[2:]
	// A last argument named NAME... takes one or more.
	variadic := len(c.args) > 0 && strings.HasSuffix(c.args[len(c.args)-1], "...")
	if len(args) != len(c.args) && (!variadic || len(args) < len(c.args)) {
		want := "no arguments"
		if len(c.args) > 0 {
			want = strings.Join(c.args, " ")
		}
		return usageError(fmt.Sprintf("%q takes %s", words[0]+" "+words[1], want))
	}
	if c.local {
		if a.f.url != "" && a.f.table == "" {
			return errors.New("admin tokens are made where the data lives: the data folder (--data), or a deployed portal's table (--dynamodb-table, with your AWS credentials)")
		}
		st, err := a.tokenStore(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		a.store = st
		return c.run(a, ctx, words[1], args)
	}
	closeFn, err := a.connect(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	return c.run(a, ctx, words[1], args)
}

// connect sets a.api: over HTTP to --url, or to the management API served
// in-process on the local store with a short-lived admin token.
func (a *adminRun) connect(ctx context.Context) (func(), error) {
	if a.f.url != "" {
		if a.f.token == "" {
			return nil, usageError("--url needs --token (or PORTAL_ADMIN_TOKEN)")
		}
		base := strings.TrimSuffix(a.f.url, "/")
		client := &http.Client{Timeout: 30 * time.Second}
		a.api = func(ctx context.Context, method, path string, body any, hdr ...string) (int, http.Header, []byte, error) {
			req, err := newRequest(ctx, method, base+path, body, hdr...)
			if err != nil {
				return 0, nil, nil, err
			}
			req.Header.Set("Authorization", "Bearer "+a.f.token)
			res, err := client.Do(req)
			if err != nil {
				return 0, nil, nil, err
			}
			defer res.Body.Close()
			b, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
			return res.StatusCode, res.Header, b, err
		}
		return func() {}, a.resolvePortal(ctx)
	}
	st, err := datadir.OpenStore(a.f.data)
	if err != nil {
		return nil, err
	}
	base := datadir.BaseURL(a.f.data)
	name := ""
	if settings, err := st.GetSettings(ctx); err == nil {
		name = settings.DisplayName
	}
	mailer, err := datadir.Mailer(a.f.data, base, name, "", a.stdout)
	if err != nil {
		st.Close()
		return nil, err
	}
	srv, err := httpapi.New(st, mailer, nil, httpapi.Config{BaseURL: base}, nil)
	if err != nil {
		st.Close()
		return nil, err
	}
	tok, rec, err := httpapi.CreateAdminToken(ctx, st, "cli (local, revoked after use)", time.Now())
	if err != nil {
		st.Close()
		return nil, err
	}
	h := srv.Handler()
	a.api = func(ctx context.Context, method, path string, body any, hdr ...string) (int, http.Header, []byte, error) {
		req, err := newRequest(ctx, method, path, body, hdr...)
		if err != nil {
			return 0, nil, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code, w.Header(), w.Body.Bytes(), nil
	}
	closeFn := func() {
		now := time.Now().UTC()
		st.RevokeAdminToken(context.Background(), rec.ID, now, portal.AuditEvent{ID: fmt.Sprintf("cli-%d", now.UnixNano()), At: now, Actor: "cli", Action: "admin_token.revoked", Subject: rec.ID})
		st.Close()
	}
	if err := a.resolvePortal(ctx); err != nil {
		closeFn()
		return nil, err
	}
	return closeFn, nil
}

// resolvePortal replaces {portal} in paths with the portal's id.
func (a *adminRun) resolvePortal(ctx context.Context) error {
	code, _, body, err := a.api(ctx, http.MethodGet, "/v3/portals", nil)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return apiError(code, body)
	}
	var l struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &l); err != nil || len(l.Data) == 0 {
		return fmt.Errorf("unexpected answer from GET /v3/portals: %s", body)
	}
	id := l.Data[0].ID
	inner := a.api
	a.api = func(ctx context.Context, method, path string, body any, hdr ...string) (int, http.Header, []byte, error) {
		return inner(ctx, method, strings.ReplaceAll(path, "{portal}", url.PathEscape(id)), body, hdr...)
	}
	return nil
}

func newRequest(ctx context.Context, method, target string, body any, hdr ...string) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return req, nil
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}
