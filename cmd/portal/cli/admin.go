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
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/portal-dev/portal/functions/boltstore"
	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/portal"
)

const adminUsage = `portal admin manages a portal's developers, teams and admin tokens, in the
local data folder (--data, the default) or on a deployed portal (--url and --token).

Usage:

	portal admin token create [--name NAME]     print a new admin token (shown once)
	portal admin token list
	portal admin token revoke ID
	portal admin developers list [--status pending|approved|rejected|revoked]
	portal admin developers approve|reject|revoke ID
	portal admin developers delete ID
	portal admin teams list
	portal admin teams create NAME [--description TEXT]
	portal admin teams add-developer TEAM_ID DEVELOPER_ID
	portal admin teams remove-developer TEAM_ID DEVELOPER_ID
	portal admin teams assign-role TEAM_ID --role "API Consumer" --api API   (an API id or slug)
	portal admin teams roles TEAM_ID
	portal admin registrations list [--status pending|approved|rejected|revoked]
	portal admin registrations approve|reject|revoke APPLICATION_ID REGISTRATION_ID

Flags (after the command's words):

	--data FOLDER   local data folder (default .portal; env PORTAL_DATA)
	--url URL       a deployed portal's URL (env PORTAL_URL)
	--token TOKEN   an admin token for --url (env PORTAL_ADMIN_TOKEN)
	--json          print JSON instead of a table
	--dynamodb-table TABLE   admin tokens in a deployed portal's table, with your
	                AWS credentials (portal deploy prints the table's name)
`

// adminFlags are the flags every admin command takes.
type adminFlags struct {
	data, url, token, name, status, description, role, api string
	table                                                  string // tokens in a deployed portal's DynamoDB table
	json                                                   bool
}

func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) int {
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
	fs.Usage = func() { fmt.Fprint(fs.Output(), adminUsage) }
	var f adminFlags
	fs.StringVar(&f.data, "data", envDefault("data", ".portal"), "local data `folder`")
	fs.StringVar(&f.url, "url", os.Getenv("PORTAL_URL"), "deployed portal `URL`")
	fs.StringVar(&f.token, "token", os.Getenv("PORTAL_ADMIN_TOKEN"), "admin `token` for --url")
	fs.StringVar(&f.name, "name", "", "token `name`")
	fs.StringVar(&f.status, "status", "", "developer `status` filter")
	fs.StringVar(&f.description, "description", "", "team `description`")
	fs.StringVar(&f.role, "role", portal.RoleAPIConsumer, "`role`: API Viewer or API Consumer")
	fs.StringVar(&f.api, "api", "", "the API's `id` (see catalog.json)")
	fs.StringVar(&f.table, "dynamodb-table", "", "admin tokens: a deployed portal's DynamoDB `table`")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	words = append(words, fs.Args()...)
	if len(words) == 0 || words[0] == "help" {
		fmt.Fprint(stdout, adminUsage)
		if len(words) == 0 {
			return exitUsage
		}
		return exitOK
	}
	a := &adminRun{f: f, stdout: stdout}
	if err := a.run(ctx, words); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "portal admin: %v\n\n%s", err, adminUsage)
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
	stdout io.Writer
	// api sends a management API request, locally or to --url, with
	// extra headers (name, value pairs); it returns the status, the
	// answer's headers and its body.
	api func(ctx context.Context, method, path string, body any, hdr ...string) (int, http.Header, []byte, error)
}

func (a *adminRun) run(ctx context.Context, words []string) error {
	need := func(n int) error {
		if len(words) != n {
			return usageError(fmt.Sprintf("%q takes %d argument(s)", strings.Join(words[:min(2, len(words))], " "), n-2))
		}
		return nil
	}
	if len(words) < 2 {
		return usageError(fmt.Sprintf("unknown command %q", strings.Join(words, " ")))
	}
	cmd := words[0] + " " + words[1]
	if cmd == "token create" || cmd == "token list" || cmd == "token revoke" {
		if a.f.url != "" && a.f.table == "" {
			return errors.New("admin tokens are made where the data lives: the data folder (--data), or a deployed portal's table (--dynamodb-table, with your AWS credentials)")
		}
		return a.tokens(ctx, words)
	}
	closeFn, err := a.connect(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	switch cmd {
	case "developers list":
		q := url.Values{"page[size]": {"100"}}
		if a.f.status != "" {
			q.Set("filter[status][eq]", a.f.status)
		}
		return a.list(ctx, "/v3/portals/{portal}/developers?"+q.Encode(), []string{"ID", "EMAIL", "NAME", "STATUS", "CREATED"},
			func(m map[string]any) []string {
				return []string{str(m["id"]), str(m["email"]), str(m["full_name"]), str(m["status"]), str(m["created_at"])}
			})
	case "developers approve", "developers reject", "developers revoke":
		if err := need(3); err != nil {
			return err
		}
		status := map[string]string{"approve": "approved", "reject": "rejected", "revoke": "revoked"}[words[1]]
		return a.decide(ctx, "/v3/portals/{portal}/developers/"+url.PathEscape(words[2]), status,
			fmt.Sprintf("developer %s is now %s", words[2], status))
	case "developers delete":
		if err := need(3); err != nil {
			return err
		}
		return a.do(ctx, http.MethodDelete, "/v3/portals/{portal}/developers/"+url.PathEscape(words[2]), nil, "deleted developer "+words[2])
	case "teams list":
		return a.list(ctx, "/v3/portals/{portal}/teams?page[size]=100", []string{"ID", "NAME", "DESCRIPTION"},
			func(m map[string]any) []string { return []string{str(m["id"]), str(m["name"]), str(m["description"])} })
	case "teams create":
		if err := need(3); err != nil {
			return err
		}
		return a.do(ctx, http.MethodPost, "/v3/portals/{portal}/teams", map[string]string{"name": words[2], "description": a.f.description}, "")
	case "teams add-developer":
		if err := need(4); err != nil {
			return err
		}
		return a.do(ctx, http.MethodPost, "/v3/portals/{portal}/teams/"+url.PathEscape(words[2])+"/developers", map[string]string{"id": words[3]},
			fmt.Sprintf("developer %s added to team %s", words[3], words[2]))
	case "teams remove-developer":
		if err := need(4); err != nil {
			return err
		}
		return a.do(ctx, http.MethodDelete, "/v3/portals/{portal}/teams/"+url.PathEscape(words[2])+"/developers/"+url.PathEscape(words[3]), nil,
			fmt.Sprintf("developer %s removed from team %s", words[3], words[2]))
	case "teams assign-role":
		if err := need(3); err != nil {
			return err
		}
		if a.f.api == "" {
			return usageError("assign-role needs --api API (a published API's id or slug)")
		}
		return a.do(ctx, http.MethodPost, "/v3/portals/{portal}/teams/"+url.PathEscape(words[2])+"/assigned-roles",
			map[string]string{"role_name": a.f.role, "entity_id": a.f.api, "entity_type_name": "APIs"}, "")
	case "registrations list":
		q := url.Values{"page[size]": {"100"}}
		if a.f.status != "" {
			q.Set("filter[status][eq]", a.f.status)
		}
		return a.list(ctx, "/v3/portals/{portal}/application-registrations?"+q.Encode(), []string{"ID", "APPLICATION", "API", "STATUS", "CREATED"},
			func(m map[string]any) []string {
				return []string{str(m["id"]), str(m["application_id"]), str(m["api_id"]), str(m["status"]), str(m["created_at"])}
			})
	case "registrations approve", "registrations reject", "registrations revoke":
		if err := need(4); err != nil {
			return err
		}
		status := map[string]string{"approve": "approved", "reject": "rejected", "revoke": "revoked"}[words[1]]
		return a.decide(ctx, "/v3/portals/{portal}/applications/"+url.PathEscape(words[2])+"/registrations/"+url.PathEscape(words[3]), status,
			fmt.Sprintf("registration %s is now %s", words[3], status))
	case "teams roles":
		if err := need(3); err != nil {
			return err
		}
		return a.list(ctx, "/v3/portals/{portal}/teams/"+url.PathEscape(words[2])+"/assigned-roles", []string{"ID", "ROLE", "API"},
			func(m map[string]any) []string {
				return []string{str(m["id"]), str(m["role_name"]), str(m["entity_id"])}
			})
	}
	return usageError(fmt.Sprintf("unknown command %q", cmd))
}

// openStore opens the local store, failing fast when `portal serve` holds it.
func openStore(data string) (*boltstore.Store, error) {
	path := filepath.Join(data, "portal.db")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	type result struct {
		s   *boltstore.Store
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := boltstore.Open(path)
		ch <- result{s, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("open %s: %w", path, r.err)
		}
		return r.s, nil
	case <-time.After(2 * time.Second):
		return nil, fmt.Errorf("%s is in use (is portal serve running?); use --url http://127.0.0.1:8080 --token <admin token> instead", path)
	}
}

func (a *adminRun) tokens(ctx context.Context, words []string) error {
	st, err := a.tokenStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	switch words[1] {
	case "create":
		name := a.f.name
		if name == "" {
			name = "cli"
		}
		tok, _, err := httpapi.CreateAdminToken(ctx, st, name, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, tok)
		return nil
	case "list":
		ts, err := st.ListAdminTokens(ctx)
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
	case "revoke":
		if len(words) != 3 {
			return usageError("token revoke takes the token's ID (see portal admin token list)")
		}
		now := time.Now().UTC()
		ev := portal.AuditEvent{ID: fmt.Sprintf("cli-%d", now.UnixNano()), At: now, Actor: "cli", Action: "admin_token.revoked", Subject: words[2]}
		if err := st.RevokeAdminToken(ctx, words[2], now, ev); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "revoked admin token %s\n", words[2])
		return nil
	}
	return usageError(fmt.Sprintf("unknown command %q", "token "+words[1]))
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
	st, err := openStore(a.f.data)
	if err != nil {
		return nil, err
	}
	base := localBaseURL(a.f.data)
	name := ""
	if settings, err := st.GetSettings(ctx); err == nil {
		name = settings.DisplayName
	}
	mailer, err := localMailer(a.f.data, base, name, "", a.stdout)
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

// localBaseURL is the URL `portal serve` last used for this data folder,
// for links in mails sent by local admin commands.
func localBaseURL(data string) string {
	if b, err := os.ReadFile(filepath.Join(data, "base-url")); err == nil && len(bytes.TrimSpace(b)) > 0 {
		return string(bytes.TrimSpace(b))
	}
	return "http://127.0.0.1:8080"
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
