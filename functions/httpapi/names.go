package httpapi

import (
	"context"
	"slices"
	"sync"

	"github.com/portal-dev/portal/functions/portal"
)

// Admins read registrations, applications and roles by name, never by
// bare ids: the management lists embed the application, its owner (the
// developer, and the team of a team-owned one) and the API. A page reads
// each distinct object once — 100 registrations of 3 applications read 3
// applications, not 100 — with the reads of one kind in parallel, and the
// catalog in one list.

// developerRef names a developer.
type developerRef struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	FullName string `json:"full_name"`
}

// apiRef names a published API.
type apiRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// adminRegistration is a registration as admins see it. A reference is
// null only when its object went away meanwhile.
type adminRegistration struct {
	portal.Registration
	Application *ref          `json:"application"`
	Developer   *developerRef `json:"developer"`      // the application's owner
	Team        *ref          `json:"team,omitempty"` // for a team-owned application
	API         *apiRef       `json:"api"`            //
}

// adminRole is a role assignment with its API named.
type adminRole struct {
	portal.RoleAssignment
	API *apiRef `json:"api"` // null for an API no longer published
}

func refApp(a portal.Application, ok bool) *ref {
	if !ok {
		return nil
	}
	return &ref{ID: a.ID, Name: a.Name}
}

func refDeveloper(d portal.Developer, ok bool) *developerRef {
	if !ok {
		return nil
	}
	return &developerRef{ID: d.ID, Email: d.Email, FullName: d.FullName}
}

func refTeam(t portal.Team, ok bool) *ref {
	if !ok {
		return nil
	}
	return &ref{ID: t.ID, Name: t.Name}
}

func refAPI(a portal.API, ok bool) *apiRef {
	if !ok {
		return nil
	}
	return &apiRef{ID: a.ID, Name: a.Name, Slug: a.Slug}
}

// owners reads the developers and teams who own apps, each once.
func (s *Server) owners(ctx context.Context, apps []portal.Application) (map[string]portal.Developer, map[string]portal.Team, error) {
	var devIDs, teamIDs []string
	for _, a := range apps {
		devIDs = append(devIDs, a.DeveloperID)
		if a.TeamID != "" {
			teamIDs = append(teamIDs, a.TeamID)
		}
	}
	devs, err := getAll(ctx, devIDs, s.store.GetDeveloper)
	if err != nil {
		return nil, nil, err
	}
	teams, err := getAll(ctx, teamIDs, s.store.GetTeam)
	return devs, teams, err
}

// apisByID reads the catalog once, by id.
func (s *Server) apisByID(ctx context.Context) (map[string]portal.API, error) {
	apis, err := s.store.ListAPIs(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]portal.API, len(apis))
	for _, a := range apis {
		m[a.ID] = a
	}
	return m, nil
}

// nameRegistrations embeds names in registrations.
func (s *Server) nameRegistrations(ctx context.Context, regs []portal.Registration) ([]adminRegistration, error) {
	ids := make([]string, len(regs))
	for i, r := range regs {
		ids[i] = r.ApplicationID
	}
	apps, err := getAll(ctx, ids, s.store.GetApplication)
	if err != nil {
		return nil, err
	}
	devs, teams, err := s.owners(ctx, mapValues(apps))
	if err != nil {
		return nil, err
	}
	apis, err := s.apisByID(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]adminRegistration, len(regs))
	for i, r := range regs {
		out[i] = adminRegistration{Registration: r}
		a, ok := apps[r.ApplicationID]
		out[i].Application = refApp(a, ok)
		if ok {
			d, ok := devs[a.DeveloperID]
			out[i].Developer = refDeveloper(d, ok)
			if a.TeamID != "" {
				t, ok := teams[a.TeamID]
				out[i].Team = refTeam(t, ok)
			}
		}
		api, ok := apis[r.APIID]
		out[i].API = refAPI(api, ok)
	}
	return out, nil
}

// nameRegistration embeds names in one registration.
func (s *Server) nameRegistration(ctx context.Context, reg portal.Registration) (adminRegistration, error) {
	out, err := s.nameRegistrations(ctx, []portal.Registration{reg})
	if err != nil {
		return adminRegistration{Registration: reg}, err
	}
	return out[0], nil
}

// nameRoles embeds the API's name in role assignments.
func (s *Server) nameRoles(ctx context.Context, rs []portal.RoleAssignment) ([]adminRole, error) {
	apis, err := s.apisByID(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]adminRole, len(rs))
	for i, r := range rs {
		api, ok := apis[r.EntityID]
		out[i] = adminRole{RoleAssignment: r, API: refAPI(api, ok)}
	}
	return out, nil
}

// parallelReads bounds the reads getAll runs at once: enough to hide a
// DynamoDB round trip, few enough not to throttle a table.
const parallelReads = 8

// getAll reads each distinct id once, in parallel; ids that are not found
// are left out of the map.
func getAll[T any](ctx context.Context, ids []string, get func(context.Context, string) (T, error)) (map[string]T, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := make(map[string]T, len(ids))
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		slots = make(chan struct{}, parallelReads)
	)
	for _, id := range ids {
		if id == "" {
			continue
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			v, err := get(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				out[id] = v
			case portal.IsCode(err, portal.ENotFound):
			case first == nil:
				first = err
			}
		})
	}
	wg.Wait()
	return out, first
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
