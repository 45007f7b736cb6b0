package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/generator/config"
)

// The commands of adminCommands. Actions print one sentence naming what
// they changed (with --json, the object the API answered); lists print a
// table with names next to ids (with --json, the API's list envelope).

// The objects as the management API answers them, with what the commands
// print.

type developerView struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FullName  string `json:"full_name"`
	Status    string `json:"status"`
	CreatedAt string `json:"created_at"`
}

// label is how a sentence names a developer: Jane Doe <jane@example.com>.
func (d developerView) label() string {
	if d.FullName == "" {
		return d.Email
	}
	return d.FullName + " <" + d.Email + ">"
}

type teamView struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Description        string `json:"description"`
	CanOwnApplications bool   `json:"can_own_applications"`
}

// refView is an object embedded by name (application, developer, team,
// API).
type refView struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	Email    string `json:"email"`
	FullName string `json:"full_name"`
}

// name is the ref's name, or id when it is missing (null).
func (r *refView) name(id string) string {
	switch {
	case r == nil:
		return id
	case r.Email != "":
		return developerView{Email: r.Email, FullName: r.FullName}.label()
	}
	return r.Name
}

type registrationView struct {
	ID            string   `json:"id"`
	ApplicationID string   `json:"application_id"`
	APIID         string   `json:"api_id"`
	Status        string   `json:"status"`
	CreatedAt     string   `json:"created_at"`
	Application   *refView `json:"application"`
	Developer     *refView `json:"developer"`
	Team          *refView `json:"team"`
	API           *refView `json:"api"`
}

// owner names who owns the registration's application.
func (r registrationView) owner() string {
	if r.Developer == nil {
		return ""
	}
	o := r.Developer.Email
	if r.Team != nil {
		o += " (team " + r.Team.Name + ")"
	}
	return o
}

type applicationView struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	DeveloperID string   `json:"developer_id"`
	CreatedAt   string   `json:"created_at"`
	Developer   *refView `json:"developer"`
	Team        *refView `json:"team"`
}

type roleView struct {
	ID       string   `json:"id"`
	RoleName string   `json:"role_name"`
	EntityID string   `json:"entity_id"`
	API      *refView `json:"api"`
}

type apiView struct {
	ID                       string `json:"id"`
	Slug                     string `json:"slug"`
	Name                     string `json:"name"`
	Version                  string `json:"version"`
	Visibility               string `json:"visibility"`
	AuthStrategyID           string `json:"auth_strategy_id"`
	AutoApproveRegistrations bool   `json:"auto_approve_registrations"`
}

// listEnvelope is a list answer of the management API.
type listEnvelope[T any] struct {
	Data []T `json:"data"`
	Meta struct {
		Page struct {
			Number, Size, Total int
		} `json:"page"`
	} `json:"meta"`
}

// problemError is an error answer of the API.
type problemError struct {
	status int
	msg    string
}

func (e *problemError) Error() string { return e.msg }

// isNotFound reports whether err is the API's 404.
func isNotFound(err error) bool {
	var p *problemError
	return errors.As(err, &p) && p.status == http.StatusNotFound
}

// apiError turns a problem+json answer into an error: its status, detail
// and invalid parameters.
func apiError(code int, body []byte) error {
	var p struct {
		Detail            string `json:"detail"`
		InvalidParameters []struct {
			Field, Reason string
		} `json:"invalid_parameters"`
	}
	msg := fmt.Sprintf("%d %s", code, http.StatusText(code))
	if json.Unmarshal(body, &p) == nil && p.Detail != "" {
		msg += ": " + clean(p.Detail)
		for _, f := range p.InvalidParameters {
			msg += say("\n  %s: %s", f.Field, f.Reason)
		}
	}
	return &problemError{status: code, msg: msg}
}

// call sends a request and returns the answer's headers and body; an
// answer of 300 or more is an error.
func (a *adminRun) call(ctx context.Context, method, path string, body any, hdr ...string) (http.Header, []byte, error) {
	code, h, out, err := a.api(ctx, method, path, body, hdr...)
	if err != nil {
		return nil, nil, err
	}
	if code >= 300 {
		return h, out, apiError(code, out)
	}
	return h, out, nil
}

// getJSON reads path into v.
func (a *adminRun) getJSON(ctx context.Context, path string, v any) (http.Header, error) {
	h, out, err := a.call(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(out, v); err != nil {
		return nil, fmt.Errorf("GET %s: unexpected answer: %w", path, err)
	}
	return h, nil
}

// emit prints an action's outcome: the sentence, or with --json the object.
func (a *adminRun) emit(obj any, sentence string) error {
	if !a.f.json {
		_, err := fmt.Fprintln(a.stdout, sentence)
		return err
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(obj)
}

// pageQuery asks for the --page'th page of 100, with --status as a filter.
func (a *adminRun) pageQuery(status bool) string {
	q := url.Values{"page[size]": {"100"}, "page[number]": {strconv.Itoa(a.f.page)}}
	if status && a.f.status != "" {
		q.Set("filter[status][eq]", a.f.status)
	}
	return "?" + q.Encode()
}

// checkStatus refuses a --status the API does not know, naming the flag.
func (a *adminRun) checkStatus() error {
	switch a.f.status {
	case "", "pending", "approved", "rejected", "revoked":
		return nil
	}
	return usageError(fmt.Sprintf("--status %q: must be pending, approved, rejected or revoked", a.f.status))
}

// table prints a list: with --json the API's envelope as it came, else a
// table of head and one row per item, and on stderr where more pages are.
func table[T any](a *adminRun, ctx context.Context, path string, head []string, row func(T) []string) error {
	_, out, err := a.call(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	if a.f.json {
		_, err := a.stdout.Write(out)
		return err
	}
	var l listEnvelope[T]
	if err := json.Unmarshal(out, &l); err != nil {
		return fmt.Errorf("GET %s: unexpected answer: %w", path, err)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, item := range l.Data {
		cells := row(item)
		for i, c := range cells {
			cells[i] = clean(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	p := l.Meta.Page
	if first := (p.Number-1)*p.Size + 1; p.Size > 0 && (p.Number > 1 || len(l.Data) < p.Total) {
		if len(l.Data) == 0 {
			fmt.Fprintf(a.stderr, "page %d is past the end: %d in all\n", p.Number, p.Total)
		} else {
			fmt.Fprintf(a.stderr, "%d–%d of %d", first, first+len(l.Data)-1, p.Total)
			if p.Number*p.Size < p.Total {
				fmt.Fprintf(a.stderr, "; the next page: --page %d", p.Number+1)
			}
			fmt.Fprintln(a.stderr)
		}
	}
	return nil
}

// clean makes text from the portal safe for a terminal: control
// characters (an escape sequence in a developer's name could rewrite the
// admin's screen, a newline forge a row) and bidirectional overrides are
// shown as \u escapes instead.
func clean(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafeRune(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

// say is fmt.Sprintf with its string arguments cleaned: the sentences
// actions print name things by the names the portal holds.
func say(format string, args ...any) string {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = clean(s)
		}
	}
	return fmt.Sprintf(format, args...)
}

// when shows an API time to the minute, in UTC.
func when(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// find reads the object an argument names: by id at byID+ref, or else
// the first item of the list at list (paged through) that match accepts;
// a nil match looks by id only.
func find[T any](a *adminRun, ctx context.Context, byID, list, ref string, match func(T) bool) (T, error) {
	var v T
	_, err := a.getJSON(ctx, byID+url.PathEscape(ref), &v)
	if !isNotFound(err) || match == nil {
		return v, err
	}
	for n := 1; ; n++ {
		var l listEnvelope[T]
		if _, err := a.getJSON(ctx, fmt.Sprintf("%s?page[size]=100&page[number]=%d", list, n), &l); err != nil {
			return v, err
		}
		if i := slices.IndexFunc(l.Data, match); i >= 0 {
			return l.Data[i], nil
		}
		if len(l.Data) == 0 || n*100 >= l.Meta.Page.Total {
			return v, err // the 404 of the id
		}
	}
}

// developer reads the developer ref names: an id or an email address.
func (a *adminRun) developer(ctx context.Context, ref string) (developerView, error) {
	var byEmail func(developerView) bool
	if strings.Contains(ref, "@") {
		byEmail = func(d developerView) bool { return portal.EmailKey(d.Email) == portal.EmailKey(ref) }
	}
	d, err := find(a, ctx, "/v3/portals/{portal}/developers/", "/v3/portals/{portal}/developers", ref, byEmail)
	if isNotFound(err) {
		return d, fmt.Errorf("no developer %q, by id or email address; portal admin developers list lists them", ref)
	}
	return d, err
}

// team reads the team ref names: an id or a name (any case).
func (a *adminRun) team(ctx context.Context, ref string) (teamView, error) {
	t, err := find(a, ctx, "/v3/portals/{portal}/teams/", "/v3/portals/{portal}/teams", ref, func(t teamView) bool {
		return portal.TeamNameKey(t.Name) == portal.TeamNameKey(ref)
	})
	if isNotFound(err) {
		return t, fmt.Errorf("no team %q, by id or name; portal admin teams list lists them", ref)
	}
	return t, err
}

// decide changes an object's status as an admin decides it: on the state
// just read, sent back as If-Match, so that another admin's opposite
// decision in between is refused (409) instead of overturned. It returns
// the answer's body.
func (a *adminRun) decide(ctx context.Context, path, status string) ([]byte, error) {
	hdr, _, err := a.call(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	_, out, err := a.call(ctx, http.MethodPatch, path, map[string]string{"status": status}, "If-Match", hdr.Get("ETag"))
	return out, err
}

// Developers.

func (a *adminRun) listDevelopers(ctx context.Context, _ string, _ []string) error {
	if err := a.checkStatus(); err != nil {
		return err
	}
	return table(a, ctx, "/v3/portals/{portal}/developers"+a.pageQuery(true), []string{"ID", "EMAIL", "NAME", "STATUS", "CREATED"},
		func(d developerView) []string {
			return []string{d.ID, d.Email, d.FullName, d.Status, when(d.CreatedAt)}
		})
}

func (a *adminRun) decideDeveloper(ctx context.Context, verb string, args []string) error {
	d, err := a.developer(ctx, args[0])
	if err != nil {
		return err
	}
	out, err := a.decide(ctx, "/v3/portals/{portal}/developers/"+url.PathEscape(d.ID), decisions[verb])
	if err != nil {
		return err
	}
	return a.emit(json.RawMessage(out), say("%s developer %s (%s)", decisions[verb], d.label(), d.ID))
}

func (a *adminRun) deleteDeveloper(ctx context.Context, _ string, args []string) error {
	d, err := a.developer(ctx, args[0])
	if err != nil {
		return err
	}
	if _, _, err := a.call(ctx, http.MethodDelete, "/v3/portals/{portal}/developers/"+url.PathEscape(d.ID), nil); err != nil {
		return err
	}
	return a.emit(d, say("deleted developer %s (%s), with their applications and keys", d.label(), d.ID))
}

// Teams.

func (a *adminRun) listTeams(ctx context.Context, _ string, _ []string) error {
	return table(a, ctx, "/v3/portals/{portal}/teams"+a.pageQuery(false), []string{"ID", "NAME", "OWNS APPLICATIONS", "DESCRIPTION"},
		func(t teamView) []string {
			return []string{t.ID, t.Name, map[bool]string{true: "yes", false: "no"}[t.CanOwnApplications], t.Description}
		})
}

func (a *adminRun) createTeam(ctx context.Context, _ string, args []string) error {
	_, out, err := a.call(ctx, http.MethodPost, "/v3/portals/{portal}/teams",
		map[string]any{"name": args[0], "description": a.f.description, "can_own_applications": a.f.canOwn})
	if err != nil {
		return err
	}
	var t teamView
	json.Unmarshal(out, &t)
	return a.emit(json.RawMessage(out), say("created team %s (%s)", t.Name, t.ID))
}

func (a *adminRun) listMembers(ctx context.Context, _ string, args []string) error {
	t, err := a.team(ctx, args[0])
	if err != nil {
		return err
	}
	return table(a, ctx, "/v3/portals/{portal}/teams/"+url.PathEscape(t.ID)+"/developers"+a.pageQuery(false), []string{"ID", "EMAIL", "NAME", "STATUS"},
		func(d developerView) []string { return []string{d.ID, d.Email, d.FullName, d.Status} })
}

// teamMember adds a developer to a team or removes one.
func (a *adminRun) teamMember(ctx context.Context, verb string, args []string) error {
	t, err := a.team(ctx, args[0])
	if err != nil {
		return err
	}
	d, err := a.developer(ctx, args[1])
	if err != nil {
		return err
	}
	members := "/v3/portals/{portal}/teams/" + url.PathEscape(t.ID) + "/developers"
	sentence := say("added developer %s to team %s", d.label(), t.Name)
	if verb == "add-developer" {
		_, _, err = a.call(ctx, http.MethodPost, members, map[string]string{"id": d.ID})
	} else {
		_, _, err = a.call(ctx, http.MethodDelete, members+"/"+url.PathEscape(d.ID), nil)
		sentence = say("removed developer %s from team %s", d.label(), t.Name)
	}
	if err != nil {
		return err
	}
	return a.emit(map[string]any{"team": t, "developer": d}, sentence)
}

func (a *adminRun) assignRole(ctx context.Context, _ string, args []string) error {
	if a.f.api == "" {
		return usageError("assign-role needs --api SLUG|ID (portal admin apis list lists them)")
	}
	t, err := a.team(ctx, args[0])
	if err != nil {
		return err
	}
	_, out, err := a.call(ctx, http.MethodPost, "/v3/portals/{portal}/teams/"+url.PathEscape(t.ID)+"/assigned-roles",
		map[string]string{"role_name": a.f.role, "entity_id": a.f.api, "entity_type_name": "APIs"})
	if err != nil {
		return err
	}
	var r roleView
	json.Unmarshal(out, &r)
	return a.emit(json.RawMessage(out), say("team %s now has %s on %s (API %s)", t.Name, r.RoleName, r.API.name(r.EntityID), r.EntityID))
}

func (a *adminRun) listRoles(ctx context.Context, _ string, args []string) error {
	t, err := a.team(ctx, args[0])
	if err != nil {
		return err
	}
	return table(a, ctx, "/v3/portals/{portal}/teams/"+url.PathEscape(t.ID)+"/assigned-roles", []string{"ID", "ROLE", "API", "SLUG"},
		func(r roleView) []string {
			slug := ""
			if r.API != nil {
				slug = r.API.Slug
			}
			return []string{r.ID, r.RoleName, r.API.name(r.EntityID), slug}
		})
}

// Registrations, applications and the catalog.

func (a *adminRun) listRegistrations(ctx context.Context, _ string, _ []string) error {
	if err := a.checkStatus(); err != nil {
		return err
	}
	return table(a, ctx, "/v3/portals/{portal}/application-registrations"+a.pageQuery(true), []string{"ID", "APPLICATION", "DEVELOPER", "API", "STATUS", "CREATED"},
		func(r registrationView) []string {
			return []string{r.ID, r.Application.name(r.ApplicationID), r.owner(), r.API.name(r.APIID), r.Status, when(r.CreatedAt)}
		})
}

func (a *adminRun) decideRegistration(ctx context.Context, verb string, args []string) error {
	out, err := a.decide(ctx, "/v3/portals/{portal}/application-registrations/"+url.PathEscape(args[0]), decisions[verb])
	if err != nil {
		return err
	}
	var r registrationView
	json.Unmarshal(out, &r)
	return a.emit(json.RawMessage(out), say("%s registration %s (application %s of %s → API %s)",
		r.Status, r.ID, r.Application.name(r.ApplicationID), r.owner(), r.API.name(r.APIID)))
}

func (a *adminRun) listApplications(ctx context.Context, _ string, _ []string) error {
	return table(a, ctx, "/v3/portals/{portal}/applications"+a.pageQuery(false), []string{"ID", "NAME", "OWNER", "TEAM", "CREATED"},
		func(ap applicationView) []string {
			team := ""
			if ap.Team != nil {
				team = ap.Team.Name
			}
			return []string{ap.ID, ap.Name, ap.Developer.name(ap.DeveloperID), team, when(ap.CreatedAt)}
		})
}

func (a *adminRun) listAPIs(ctx context.Context, _ string, _ []string) error {
	return table(a, ctx, "/v3/apis", []string{"ID", "SLUG", "NAME", "VERSION", "VISIBILITY", "AUTH", "AUTO-APPROVE"},
		func(api apiView) []string {
			auth := api.AuthStrategyID
			if auth == "" {
				auth = "none"
			}
			return []string{api.ID, api.Slug, api.Name, api.Version, api.Visibility, auth, map[bool]string{true: "yes", false: "no"}[api.AutoApproveRegistrations]}
		})
}

// Settings.

// setting is a portal setting settings set may change.
type setting struct {
	key    string
	values []string // the allowed values; nil: any text
}

var (
	boolValues = []string{"true", "false"}
	visibility = []string{"public", "private"}
)

// settings are the portal's settings (Konnect's names) in the order
// settings get prints them; name and id are read-only.
var settings = []setting{
	{key: "display_name"},
	{key: "authentication_enabled", values: boolValues},
	{key: "rbac_enabled", values: boolValues},
	{key: "auto_approve_developers", values: boolValues},
	{key: "auto_approve_applications", values: boolValues},
	{key: "default_api_visibility", values: visibility},
	{key: "default_page_visibility", values: visibility},
	{key: "default_application_auth_strategy_id"},
}

func settingKeys() []string {
	keys := make([]string, len(settings))
	for i, s := range settings {
		keys[i] = s.key
	}
	return keys
}

// parseSettings reads key=value arguments into a PATCH body, or names
// every mistake: an unknown key (and the one meant), a bad value (and the
// allowed ones).
func parseSettings(args []string) (map[string]any, error) {
	body := map[string]any{}
	var bad []string
	for _, arg := range args {
		key, value, ok := strings.Cut(arg, "=")
		i := slices.IndexFunc(settings, func(s setting) bool { return s.key == key })
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("%q: write KEY=VALUE, e.g. rbac_enabled=true", arg))
		case i < 0:
			msg := fmt.Sprintf("unknown key %q", key)
			if s := config.Closest(key, settingKeys()); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			bad = append(bad, msg+" (the keys: "+strings.Join(settingKeys(), ", ")+")")
		case settings[i].values != nil && !slices.Contains(settings[i].values, value):
			bad = append(bad, fmt.Sprintf("%s=%s: %s must be %s", key, value, key, strings.Join(settings[i].values, " or ")))
		case slices.Equal(settings[i].values, boolValues):
			body[key] = value == "true"
		default:
			body[key] = value
		}
	}
	if len(bad) > 0 {
		return nil, usageError("settings set: " + strings.Join(bad, "\n  "))
	}
	return body, nil
}

func (a *adminRun) getSettings(ctx context.Context, _ string, _ []string) error {
	var st map[string]any
	if _, err := a.getJSON(ctx, "/v3/portals/{portal}", &st); err != nil {
		return err
	}
	if a.f.json {
		return a.emit(st, "")
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, k := range append([]string{"id", "name"}, settingKeys()...) {
		v := clean(str(st[k]))
		if v == "" {
			v = "(not set)"
		}
		fmt.Fprintf(tw, "%s\t%s\n", k, v)
	}
	return tw.Flush()
}

// setSettings changes the settings named, on the settings just read (sent
// back as If-Match: another admin's change in between is a 409, not
// overwritten), and says what changed.
func (a *adminRun) setSettings(ctx context.Context, _ string, args []string) error {
	body, err := parseSettings(args)
	if err != nil {
		return err
	}
	var before map[string]any
	hdr, err := a.getJSON(ctx, "/v3/portals/{portal}", &before)
	if err != nil {
		return err
	}
	_, out, err := a.call(ctx, http.MethodPatch, "/v3/portals/{portal}", body, "If-Match", hdr.Get("ETag"))
	if err != nil {
		return err
	}
	var after map[string]any
	json.Unmarshal(out, &after)
	var lines []string
	for _, k := range settingKeys() {
		if _, set := body[k]; !set {
			continue
		}
		if was, now := str(before[k]), str(after[k]); was == now {
			lines = append(lines, say("%s is already %s", k, now))
		} else {
			lines = append(lines, say("%s: %s → %s", k, was, now))
		}
	}
	return a.emit(json.RawMessage(out), strings.Join(lines, "\n"))
}

// Admin tokens, on the data folder's store or a deployed portal's table.

func (a *adminRun) createToken(ctx context.Context, _ string, _ []string) error {
	name := a.f.name
	if name == "" {
		name = "cli"
	}
	tok, rec, err := httpapi.CreateAdminToken(ctx, a.store, name, time.Now())
	if err != nil {
		return err
	}
	if a.f.json {
		return a.emit(struct {
			portal.AdminToken
			Token string `json:"token"`
		}{rec, tok}, "")
	}
	// The token alone on its line: scripts read it from stdout.
	_, err = fmt.Fprintln(a.stdout, tok)
	return err
}

func (a *adminRun) listTokens(ctx context.Context, _ string, _ []string) error {
	ts, err := a.store.ListAdminTokens(ctx)
	if err != nil {
		return err
	}
	if a.f.json {
		return a.emit(ts, "")
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
	return a.emit(map[string]any{"id": args[0], "revoked_at": now}, "revoked admin token "+args[0])
}
