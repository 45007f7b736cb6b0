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
	"os"
	"slices"
	"strings"
	"text/tabwriter"
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

const statusFlag = "[--status pending|approved|rejected|revoked]"

var adminCommands = []adminCommand{
	{noun: "token", verbs: "create", flags: "[--name NAME]", note: "print a new admin token (shown once)", local: true, run: (*adminRun).createToken},
	{noun: "token", verbs: "list", local: true, run: (*adminRun).listTokens},
	{noun: "token", verbs: "revoke", args: []string{"ID"}, local: true, run: (*adminRun).revokeToken},
	{noun: "users", verbs: "create", args: []string{"EMAIL"}, flags: "[--name NAME] [--password-stdin]", note: "an admin user of the console (/admin/login/)", local: true, run: (*adminRun).createUser},
	{noun: "users", verbs: "list", local: true, run: (*adminRun).listUsers},
	{noun: "users", verbs: "disable|enable", args: []string{"ID|EMAIL"}, note: "disabling ends their sessions at once", local: true, run: (*adminRun).setUserStatus},
	{noun: "developers", verbs: "list", flags: statusFlag, run: func(a *adminRun, ctx context.Context, _ string, _ []string) error {
		return a.list(ctx, "/v3/portals/{portal}/developers?"+a.statusQuery().Encode(), []string{"ID", "EMAIL", "NAME", "STATUS", "CREATED"},
			func(m map[string]any) []string {
				return []string{str(m["id"]), str(m["email"]), str(m["full_name"]), str(m["status"]), str(m["created_at"])}
			})
	}},
	{noun: "developers", verbs: "approve|reject|revoke", args: []string{"ID"}, run: func(a *adminRun, ctx context.Context, verb string, args []string) error {
		status := decisions[verb]
		return a.decide(ctx, "/v3/portals/{portal}/developers/"+url.PathEscape(args[0]), status,
			fmt.Sprintf("developer %s is now %s", args[0], status))
	}},
	{noun: "developers", verbs: "delete", args: []string{"ID"}, run: func(a *adminRun, ctx context.Context, _ string, args []string) error {
		return a.do(ctx, http.MethodDelete, "/v3/portals/{portal}/developers/"+url.PathEscape(args[0]), nil, "deleted developer "+args[0])
	}},
	{noun: "teams", verbs: "list", run: func(a *adminRun, ctx context.Context, _ string, _ []string) error {
		return a.list(ctx, "/v3/portals/{portal}/teams?page[size]=100", []string{"ID", "NAME", "DESCRIPTION"},
			func(m map[string]any) []string { return []string{str(m["id"]), str(m["name"]), str(m["description"])} })
	}},
	{noun: "teams", verbs: "create", args: []string{"NAME"}, flags: "[--description TEXT]", run: func(a *adminRun, ctx context.Context, _ string, args []string) error {
		return a.do(ctx, http.MethodPost, "/v3/portals/{portal}/teams", map[string]string{"name": args[0], "description": a.f.description}, "")
	}},
	{noun: "teams", verbs: "add-developer", args: []string{"TEAM_ID", "DEVELOPER_ID"}, run: func(a *adminRun, ctx context.Context, _ string, args []string) error {
		return a.do(ctx, http.MethodPost, "/v3/portals/{portal}/teams/"+url.PathEscape(args[0])+"/developers", map[string]string{"id": args[1]},
			fmt.Sprintf("developer %s added to team %s", args[1], args[0]))
	}},
	{noun: "teams", verbs: "remove-developer", args: []string{"TEAM_ID", "DEVELOPER_ID"}, run: func(a *adminRun, ctx context.Context, _ string, args []string) error {
		return a.do(ctx, http.MethodDelete, "/v3/portals/{portal}/teams/"+url.PathEscape(args[0])+"/developers/"+url.PathEscape(args[1]), nil,
			fmt.Sprintf("developer %s removed from team %s", args[1], args[0]))
	}},
	{noun: "teams", verbs: "assign-role", args: []string{"TEAM_ID"}, flags: `--role "API Consumer" --api API`, note: "(an API id or slug)", run: func(a *adminRun, ctx context.Context, _ string, args []string) error {
		if a.f.api == "" {
			return usageError("assign-role needs --api API (a published API's id or slug)")
		}
		return a.do(ctx, http.MethodPost, "/v3/portals/{portal}/teams/"+url.PathEscape(args[0])+"/assigned-roles",
			map[string]string{"role_name": a.f.role, "entity_id": a.f.api, "entity_type_name": "APIs"}, "")
	}},
	{noun: "teams", verbs: "roles", args: []string{"TEAM_ID"}, run: func(a *adminRun, ctx context.Context, _ string, args []string) error {
		return a.list(ctx, "/v3/portals/{portal}/teams/"+url.PathEscape(args[0])+"/assigned-roles", []string{"ID", "ROLE", "API"},
			func(m map[string]any) []string {
				return []string{str(m["id"]), str(m["role_name"]), str(m["entity_id"])}
			})
	}},
	{noun: "registrations", verbs: "list", flags: statusFlag, run: func(a *adminRun, ctx context.Context, _ string, _ []string) error {
		return a.list(ctx, "/v3/portals/{portal}/application-registrations?"+a.statusQuery().Encode(), []string{"ID", "APPLICATION", "API", "STATUS", "CREATED"},
			func(m map[string]any) []string {
				return []string{str(m["id"]), str(m["application_id"]), str(m["api_id"]), str(m["status"]), str(m["created_at"])}
			})
	}},
	{noun: "registrations", verbs: "approve|reject|revoke", args: []string{"APPLICATION_ID", "REGISTRATION_ID"}, run: func(a *adminRun, ctx context.Context, verb string, args []string) error {
		status := decisions[verb]
		return a.decide(ctx, "/v3/portals/{portal}/applications/"+url.PathEscape(args[0])+"/registrations/"+url.PathEscape(args[1]), status,
			fmt.Sprintf("registration %s is now %s", args[1], status))
	}},
}

// decisions are the statuses the admin's verbs decide.
var decisions = map[string]string{"approve": "approved", "reject": "rejected", "revoke": "revoked"}

// adminUsage is the usage text of portal admin, one line per command of
// adminCommands.
func adminUsage() string {
	var b strings.Builder
	b.WriteString(`portal admin manages a portal's developers, teams, admin tokens and admin users, in the
local data folder (--data, the default) or on a deployed portal (--url and --token).

Usage:

`)
	for _, c := range adminCommands {
		words := append([]string{"\tportal admin", c.noun, c.verbs}, c.args...)
		if c.flags != "" {
			words = append(words, c.flags)
		}
		b.WriteString(strings.Join(words, " "))
		if c.note != "" {
			b.WriteString("   " + c.note)
		}
		b.WriteString("\n")
	}
	b.WriteString(`
Flags (after the command's words):

	--data FOLDER   local data folder (default .portal; env PORTAL_DATA)
	--url URL       a deployed portal's URL (env PORTAL_URL)
	--token TOKEN   an admin token for --url (env PORTAL_ADMIN_TOKEN)
	--name NAME     token create: the token's name; users create: the user's full name
	--password-stdin  users create: read the password from stdin's first line
	                (else it is asked for on the terminal, without echo)
	--json          print JSON instead of a table
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
	passwordStdin                                          bool // users create: the password is stdin's first line
}

func runAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return runAdminWith(ctx, args, getenv, os.Stdin, stdout, stderr)
}

// runAdminWith is runAdmin reading passwords from stdin.
func runAdminWith(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
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
	fs.Usage = func() { fmt.Fprint(fs.Output(), adminUsage()) }
	var f adminFlags
	fs.StringVar(&f.data, "data", envDefault(getenv, "data", ".portal"), "local data `folder`")
	fs.StringVar(&f.url, "url", getenv("PORTAL_URL"), "deployed portal `URL`")
	fs.StringVar(&f.token, "token", getenv("PORTAL_ADMIN_TOKEN"), "admin `token` for --url")
	fs.StringVar(&f.name, "name", "", "token `name`")
	fs.StringVar(&f.status, "status", "", "developer `status` filter")
	fs.StringVar(&f.description, "description", "", "team `description`")
	fs.StringVar(&f.role, "role", portal.RoleAPIConsumer, "`role`: API Viewer or API Consumer")
	fs.StringVar(&f.api, "api", "", "the API's `id` (see catalog.json)")
	fs.StringVar(&f.table, "dynamodb-table", "", "admin tokens: a deployed portal's DynamoDB `table`")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	fs.BoolVar(&f.passwordStdin, "password-stdin", false, "users create: read the password from stdin's first line")
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	words = append(words, fs.Args()...)
	if len(words) == 0 || words[0] == "help" {
		fmt.Fprint(stdout, adminUsage())
		if len(words) == 0 {
			return exitUsage
		}
		return exitOK
	}
	a := &adminRun{f: f, stdin: stdin, stdout: stdout, stderr: stderr}
	if err := a.run(ctx, words); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "portal admin: %v\n\n%s", err, adminUsage())
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
	f      adminFlags
	stdin  io.Reader // users create's password
	stderr io.Writer // its prompts
	stdout io.Writer
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
	if len(args) != len(c.args) {
		return usageError(fmt.Sprintf("%q takes %d argument(s)", words[0]+" "+words[1], len(c.args)))
	}
	if c.local {
		if a.f.url != "" && a.f.table == "" {
			return errors.New("admin tokens and admin users are made where the data lives: the data folder (--data), or a deployed portal's table (--dynamodb-table, with your AWS credentials)")
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

// statusQuery is a list's first page of 100, filtered by --status.
func (a *adminRun) statusQuery() url.Values {
	q := url.Values{"page[size]": {"100"}}
	if a.f.status != "" {
		q.Set("filter[status][eq]", a.f.status)
	}
	return q
}

func (a *adminRun) createToken(ctx context.Context, _ string, _ []string) error {
	name := a.f.name
	if name == "" {
		name = "cli"
	}
	tok, _, err := httpapi.CreateAdminToken(ctx, a.store, name, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, tok)
	return nil
}

func (a *adminRun) listTokens(ctx context.Context, _ string, _ []string) error {
	ts, err := a.store.ListAdminTokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED\tREVOKED")
	for _, t := range ts {
		rev := ""
		if t.RevokedAt != nil {
			rev = t.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.Format(time.RFC3339), rev)
	}
	return tw.Flush()
}

func (a *adminRun) revokeToken(ctx context.Context, _ string, args []string) error {
	now := time.Now().UTC()
	ev := portal.AuditEvent{ID: fmt.Sprintf("cli-%d", now.UnixNano()), At: now, Actor: "cli", Action: "admin_token.revoked", Subject: args[0]}
	if err := a.store.RevokeAdminToken(ctx, args[0], now, ev); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "revoked admin token %s\n", args[0])
	return nil
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

// apiError turns a problem+json answer into an error.
func apiError(code int, body []byte) error {
	var p struct {
		Detail            string `json:"detail"`
		InvalidParameters []struct {
			Field, Reason string
		} `json:"invalid_parameters"`
	}
	if json.Unmarshal(body, &p) == nil && p.Detail != "" {
		msg := fmt.Sprintf("%d %s: %s", code, http.StatusText(code), p.Detail)
		for _, f := range p.InvalidParameters {
			msg += fmt.Sprintf("\n  %s: %s", f.Field, f.Reason)
		}
		return errors.New(msg)
	}
	return fmt.Errorf("%d %s", code, http.StatusText(code))
}

func (a *adminRun) do(ctx context.Context, method, path string, body any, done string, hdr ...string) error {
	code, _, out, err := a.api(ctx, method, path, body, hdr...)
	if err != nil {
		return err
	}
	if code >= 300 {
		return apiError(code, out)
	}
	if done == "" || a.f.json {
		var v any
		if json.Unmarshal(out, &v) == nil {
			enc := json.NewEncoder(a.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		}
	}
	fmt.Fprintln(a.stdout, done)
	return nil
}

// decide changes an object's status as an admin decides it: on the state
// just read, sent back as If-Match, so that another admin's opposite
// decision in between is refused (409) instead of overturned.
func (a *adminRun) decide(ctx context.Context, path, status, done string) error {
	code, hdr, out, err := a.api(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return apiError(code, out)
	}
	return a.do(ctx, http.MethodPatch, path, map[string]string{"status": status}, done, "If-Match", hdr.Get("ETag"))
}

func (a *adminRun) list(ctx context.Context, path string, head []string, row func(map[string]any) []string) error {
	code, _, out, err := a.api(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return apiError(code, out)
	}
	if a.f.json {
		_, err := a.stdout.Write(out)
		return err
	}
	var l struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(out, &l); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, m := range l.Data {
		fmt.Fprintln(tw, strings.Join(row(m), "\t"))
	}
	return tw.Flush()
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}
