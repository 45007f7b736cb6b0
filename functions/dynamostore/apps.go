package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/portal-dev/portal/functions/portal"
)

// Keys of the application side (see the package comment).
const (
	pkAPIs          = "APIS"
	pkStrategies    = "AUTHSTRATEGIES"
	gsiApps         = "APPS"
	gsiRegs         = "REGISTRATIONS"
	skApp           = "APP"
	skAPISlug       = "APISLUG"
	skAppCount      = "APPCOUNT"
	skCredCount     = "CREDCOUNT"
	skReg           = "REG"
	skKey           = "KEY"
	skCred          = "CRED"
	maxWriteRetries = 20
)

func apiSK(id string) string                           { return "API#" + id }
func apiSlugPK(slug string) string                     { return "APISLUG#" + slug }
func apiPK(id string) string                           { return "API#" + id }
func appPK(id string) string                           { return "APP#" + id }
func regPK(id string) string                           { return "REG#" + id }
func keyPK(hash string) string                         { return "KEY#" + hash }
func credPK(id string) string                          { return "CRED#" + id }
func regStatusGSI(st portal.RegistrationStatus) string { return gsiRegs + "#" + string(st) }

type (
	apiItem struct {
		PK, SK string
		Rev    int64 // version of the catalog entry, for conditional publishes
		portal.API
	}
	strategyItem struct {
		PK, SK string
		portal.AuthStrategy
	}
	appItem struct {
		PK, SK         string
		GSI1PK, GSI1SK string
		portal.Application
	}
	// devAppItem points from a developer at an application.
	devAppItem struct {
		PK, SK        string
		ApplicationID string
		AppCreated    time.Time // orders the developer's list
	}
	counterItem struct {
		PK, SK string
		N      int64
	}
	regItem struct {
		PK, SK                         string
		GSI1PK, GSI1SK, GSI2PK, GSI2SK string
		portal.Registration
	}
	// regIDItem finds a registration by id.
	regIDItem struct {
		PK, SK        string
		ApplicationID string
		APIID         string
	}
	// apiRegItem points from an API at a registration.
	apiRegItem struct {
		PK, SK         string
		ApplicationID  string
		RegistrationID string
	}
	credItem struct {
		PK, SK string
		portal.Credential
	}
	// hashItem points at a credential by hash (from its id, and from the
	// application).
	hashItem struct {
		PK, SK string
		Hash   string
	}
)

func newAppItem(a portal.Application) appItem {
	return appItem{PK: appPK(a.ID), SK: skApp, GSI1PK: gsiApps, GSI1SK: stamp(a.CreatedAt) + "#" + a.ID, Application: a}
}

func newRegItem(r portal.Registration) regItem {
	order := stamp(r.CreatedAt) + "#" + r.ID
	return regItem{PK: appPK(r.ApplicationID), SK: "REG#" + r.APIID, GSI1PK: gsiRegs, GSI1SK: order, GSI2PK: regStatusGSI(r.Status), GSI2SK: order, Registration: r}
}

var nName = map[string]string{"#n": "N"}

// incr adds one to a counter item, on the condition that it stays at or
// under limit.
func (s *Store) incr(k map[string]types.AttributeValue, limit int) types.TransactWriteItem {
	return s.update(k,
		cond{expr: "SET #n = if_not_exists(#n, :zero) + :one", names: nName, values: map[string]types.AttributeValue{":zero": num(0), ":one": num(1)}},
		cond{expr: "attribute_not_exists(#n) OR #n < :max", names: nName, values: map[string]types.AttributeValue{":max": num(int64(limit))}})
}

// decr takes one from a counter item.
func (s *Store) decr(k map[string]types.AttributeValue) types.TransactWriteItem {
	return s.update(k,
		cond{expr: "SET #n = #n - :one", names: nName, values: map[string]types.AttributeValue{":one": num(1)}},
		cond{expr: "attribute_exists(#n)", names: nName})
}

// anyFailed reports whether some condition of a transaction failed.
func anyFailed(err error) bool {
	var c *canceled
	if !errors.As(err, &c) {
		return false
	}
	return slices.ContainsFunc(c.reasons, func(r types.CancellationReason) bool {
		return aws.ToString(r.Code) == "ConditionalCheckFailed"
	})
}

func byCreation[T any](xs []T, created func(T) time.Time, id func(T) string) {
	slices.SortFunc(xs, func(a, b T) int {
		if c := created(a).Compare(created(b)); c != 0 {
			return c
		}
		return strings.Compare(id(a), id(b))
	})
}

// Catalog.

func (s *Store) storedAPIs(ctx context.Context) (map[string]apiItem, error) {
	items, err := s.partition(ctx, pkAPIs, "API#")
	if err != nil {
		return nil, err
	}
	out := make(map[string]apiItem, len(items))
	for _, m := range items {
		var it apiItem
		if err := unmarshal(m, &it); err != nil {
			return nil, err
		}
		out[it.ID] = it
	}
	return out, nil
}

// PublishAPIs implements portal.AppStore: one transaction per changed API
// (the catalog entry, its slug copy and the event), each conditional on
// the entry being as read; when another publish got there first, it reads
// the catalog again and carries on.
func (s *Store) PublishAPIs(ctx context.Context, apis []portal.API, ev portal.AuditEvent) (int, error) {
	if err := portal.CheckCatalog(apis); err != nil {
		return 0, err
	}
	ev = ev.Complete("")
	keep, slugs := map[string]bool{}, map[string]bool{}
	for _, a := range apis {
		keep[a.ID], slugs[a.Slug] = true, true
	}
	changed := 0
	for attempt := 0; ; attempt++ {
		stored, err := s.storedAPIs(ctx)
		if err != nil {
			return changed, err
		}
		raced := false
		for _, cur := range stored {
			if keep[cur.ID] {
				continue
			}
			items := []types.TransactWriteItem{
				s.del(key(pkAPIs, apiSK(cur.ID)), revIs(cur.Rev)),
				s.audit(ev.ForAPI(cur.ID, "deleted")),
			}
			if !slugs[cur.Slug] {
				items = append(items, s.del(key(apiSlugPK(cur.Slug), skAPISlug), always))
			}
			err := s.transact(ctx, items...)
			if anyFailed(err) {
				raced = true
				continue
			}
			if err != nil {
				return changed, err
			}
			changed++
			if err := s.dropAPIRegistrations(ctx, cur.ID); err != nil {
				return changed, err
			}
		}
		for _, a := range apis {
			cur, ok := stored[a.ID]
			if ok && portal.SameAPI(cur.API, a) {
				continue
			}
			a.PublishedAt = ev.At
			if len(a.Labels) == 0 {
				a.Labels = nil
			}
			next, c, change := apiItem{PK: pkAPIs, SK: apiSK(a.ID), Rev: 1, API: a}, notExists, "created"
			if ok {
				next.Rev, c, change = cur.Rev+1, revIs(cur.Rev), "updated"
			}
			items := []types.TransactWriteItem{
				s.put(next, c),
				s.audit(ev.ForAPI(a.ID, change)),
				s.put(apiItem{PK: apiSlugPK(a.Slug), SK: skAPISlug, Rev: next.Rev, API: a}, always),
			}
			if ok && cur.Slug != a.Slug && !slugs[cur.Slug] {
				items = append(items, s.del(key(apiSlugPK(cur.Slug), skAPISlug), always))
			}
			err := s.transact(ctx, items...)
			if anyFailed(err) {
				raced = true
				continue
			}
			if err != nil {
				return changed, err
			}
			changed++
		}
		if !raced {
			return changed, nil
		}
		if attempt >= maxWriteRetries {
			return changed, portal.Errorf(portal.EConflict, "the catalog keeps changing; publish again")
		}
	}
}

func revIs(v int64) cond {
	return cond{expr: "#r = :r", names: map[string]string{"#r": "Rev"}, values: map[string]types.AttributeValue{":r": num(v)}}
}

// dropAPIRegistrations deletes the registrations of a removed API. None
// can be added once the API is gone; a registration made after the API
// came back is left alone (its id differs).
func (s *Store) dropAPIRegistrations(ctx context.Context, apiID string) error {
	items, err := s.partition(ctx, apiPK(apiID), "REG#")
	if err != nil {
		return err
	}
	for _, m := range items {
		var it apiRegItem
		if err := unmarshal(m, &it); err != nil {
			return err
		}
		err := s.transact(ctx,
			s.del(key(appPK(it.ApplicationID), "REG#"+apiID), attrIs("ID", it.RegistrationID)),
			s.del(key(regPK(it.RegistrationID), skReg), always),
			s.del(key(it.PK, it.SK), always),
		)
		if err != nil && !anyFailed(err) {
			return err
		}
	}
	return nil
}

// GetAPI implements portal.AppStore.
func (s *Store) GetAPI(ctx context.Context, id string) (portal.API, error) {
	var it apiItem
	ok, err := s.getItem(ctx, pkAPIs, apiSK(id), &it)
	if err == nil && !ok {
		err = notFound("API", id)
	}
	return it.API, err
}

// GetAPIBySlug implements portal.AppStore: one read of the slug's copy.
func (s *Store) GetAPIBySlug(ctx context.Context, slug string) (portal.API, error) {
	var it apiItem
	ok, err := s.getItem(ctx, apiSlugPK(slug), skAPISlug, &it)
	if err == nil && !ok {
		err = notFound("API", slug)
	}
	return it.API, err
}

// ListAPIs implements portal.AppStore.
func (s *Store) ListAPIs(ctx context.Context) ([]portal.API, error) {
	stored, err := s.storedAPIs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]portal.API, 0, len(stored))
	for _, it := range stored {
		out = append(out, it.API)
	}
	slices.SortFunc(out, func(a, b portal.API) int { return strings.Compare(a.Slug, b.Slug) })
	return out, nil
}

// Auth strategies.

// CreateAuthStrategy implements portal.AppStore.
func (s *Store) CreateAuthStrategy(ctx context.Context, st portal.AuthStrategy, ev portal.AuditEvent) error {
	ev = ev.Complete(st.ID)
	if st.CreatedAt.IsZero() {
		st.CreatedAt = ev.At
	}
	err := s.transact(ctx,
		s.put(strategyItem{PK: pkStrategies, SK: "AUTHSTRATEGY#" + st.ID, AuthStrategy: st}, notExists),
		s.audit(ev),
	)
	if bad, _ := failed(err, 0); bad {
		return portal.Errorf(portal.EConflict, "auth strategy %s exists", st.ID)
	}
	return err
}

// GetAuthStrategy implements portal.AppStore.
func (s *Store) GetAuthStrategy(ctx context.Context, id string) (portal.AuthStrategy, error) {
	var it strategyItem
	ok, err := s.getItem(ctx, pkStrategies, "AUTHSTRATEGY#"+id, &it)
	switch {
	case err != nil:
		return portal.AuthStrategy{}, err
	case !ok && id == portal.DefaultAuthStrategyID:
		return portal.DefaultAuthStrategy(), nil
	case !ok:
		return portal.AuthStrategy{}, notFound("auth strategy", id)
	}
	return it.AuthStrategy, nil
}

// ListAuthStrategies implements portal.AppStore.
func (s *Store) ListAuthStrategies(ctx context.Context) ([]portal.AuthStrategy, error) {
	items, err := s.partition(ctx, pkStrategies, "AUTHSTRATEGY#")
	if err != nil {
		return nil, err
	}
	out, err := decodeAll(items, func(it *strategyItem) portal.AuthStrategy { return it.AuthStrategy })
	if err != nil {
		return nil, err
	}
	byCreation(out, func(st portal.AuthStrategy) time.Time { return st.CreatedAt }, func(st portal.AuthStrategy) string { return st.ID })
	if !slices.ContainsFunc(out, func(st portal.AuthStrategy) bool { return st.ID == portal.DefaultAuthStrategyID }) {
		out = slices.Insert(out, 0, portal.DefaultAuthStrategy())
	}
	return out, nil
}

// Applications.

func (s *Store) getApp(ctx context.Context, id string) (portal.Application, error) {
	var it appItem
	ok, err := s.getItem(ctx, appPK(id), skApp, &it)
	if err == nil && !ok {
		err = notFound("application", id)
	}
	return it.Application, err
}

// CreateApplication implements portal.AppStore. The developer's
// application counter goes up in the same transaction, on the condition
// that it stays within the limit: the limit holds under any concurrency.
func (s *Store) CreateApplication(ctx context.Context, a portal.Application, ev portal.AuditEvent) error {
	ev = ev.Complete(a.ID)
	if a.CreatedAt.IsZero() {
		a.CreatedAt = ev.At
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	a.Version = 1
	tx := []types.TransactWriteItem{
		s.check(key(devPK(a.DeveloperID), skDev), exists),
		s.put(newAppItem(a), notExists),
		s.incr(key(devPK(a.DeveloperID), skAppCount), portal.MaxApplicationsPerDeveloper),
		s.put(devAppItem{PK: devPK(a.DeveloperID), SK: "APP#" + a.ID, ApplicationID: a.ID, AppCreated: a.CreatedAt}, notExists),
		s.audit(ev),
	}
	if a.TeamID != "" {
		// The team must exist; its partition points at the application.
		tx = append(tx,
			s.check(key(teamPK(a.TeamID), skTeam), exists),
			s.put(devAppItem{PK: teamPK(a.TeamID), SK: "APP#" + a.ID, ApplicationID: a.ID, AppCreated: a.CreatedAt}, notExists),
		)
	}
	err := s.transact(ctx, tx...)
	if bad, _ := failed(err, 5); bad && a.TeamID != "" {
		return notFound("team", a.TeamID)
	}
	if bad, _ := failed(err, 0); bad {
		return notFound("developer", a.DeveloperID)
	}
	if bad, _ := failed(err, 1); bad {
		return portal.Errorf(portal.EConflict, "application %s exists", a.ID)
	}
	if bad, _ := failed(err, 2); bad {
		return portal.Errorf(portal.EPrecondition, "developer %s already has %d applications, the most allowed", a.DeveloperID, portal.MaxApplicationsPerDeveloper)
	}
	if bad, _ := failed(err, 3); bad {
		return portal.Errorf(portal.EConflict, "application %s exists", a.ID)
	}
	return err
}

// ListTeamApplications implements portal.AppStore: the team's pointers,
// then each application.
func (s *Store) ListTeamApplications(ctx context.Context, teamID string) ([]portal.Application, error) {
	items, err := s.partition(ctx, teamPK(teamID), "APP#")
	if err != nil {
		return nil, err
	}
	ptrs, err := decodeAll(items, func(it *devAppItem) devAppItem { return *it })
	if err != nil {
		return nil, err
	}
	out := make([]portal.Application, 0, len(ptrs))
	for _, p := range ptrs {
		a, err := s.getApp(ctx, p.ApplicationID)
		if portal.IsCode(err, portal.ENotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	byCreation(out, func(a portal.Application) time.Time { return a.CreatedAt }, func(a portal.Application) string { return a.ID })
	return out, nil
}

// GetApplication implements portal.AppStore.
func (s *Store) GetApplication(ctx context.Context, id string) (portal.Application, error) {
	return s.getApp(ctx, id)
}

// ListApplications implements portal.AppStore: the developer's pointers,
// read consistently, then one page of applications.
func (s *Store) ListApplications(ctx context.Context, developerID string, p portal.Page) ([]portal.Application, int, error) {
	items, err := s.partition(ctx, devPK(developerID), "APP#")
	if err != nil {
		return nil, 0, err
	}
	ptrs := make([]devAppItem, len(items))
	for i, m := range items {
		if err := unmarshal(m, &ptrs[i]); err != nil {
			return nil, 0, err
		}
	}
	byCreation(ptrs, func(d devAppItem) time.Time { return d.AppCreated }, func(d devAppItem) string { return d.ApplicationID })
	p = p.Normalize()
	from := min(p.Offset(), len(ptrs))
	page := ptrs[from:min(from+p.Size, len(ptrs))]
	ks := make([]map[string]types.AttributeValue, 0, len(page))
	for _, d := range page {
		ks = append(ks, key(appPK(d.ApplicationID), skApp))
	}
	byID := map[string]portal.Application{}
	if len(ks) > 0 {
		got, err := s.batchGet(ctx, ks)
		if err != nil {
			return nil, 0, err
		}
		for _, m := range got {
			var it appItem
			if err := unmarshal(m, &it); err != nil {
				return nil, 0, err
			}
			byID[it.ID] = it.Application
		}
	}
	out := []portal.Application{}
	for _, d := range page {
		if a, ok := byID[d.ApplicationID]; ok {
			out = append(out, a)
		}
	}
	return out, len(ptrs), nil
}

// ListAllApplications implements portal.AppStore.
func (s *Store) ListAllApplications(ctx context.Context, p portal.Page) ([]portal.Application, int, error) {
	items, total, err := s.indexPage(ctx, GSI1, AttrGSI1PK, gsiApps, p)
	if err != nil {
		return nil, 0, err
	}
	out, err := decodeAll(items, func(it *appItem) portal.Application { return it.Application })
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// UpdateApplication implements portal.AppStore.
func (s *Store) UpdateApplication(ctx context.Context, a portal.Application, ev portal.AuditEvent) (portal.Application, error) {
	ev = ev.Complete(a.ID)
	cur, err := s.getApp(ctx, a.ID)
	if err != nil {
		return portal.Application{}, err
	}
	stale := portal.Errorf(portal.EConflict, "application %s changed since it was read", a.ID)
	if cur.Version != a.Version {
		return portal.Application{}, stale
	}
	next := cur
	next.Name, next.Description, next.AuthStrategyID = a.Name, a.Description, a.AuthStrategyID
	next.UpdatedAt, next.Version = ev.At, cur.Version+1
	err = s.transact(ctx, s.put(newAppItem(next), versionIs(cur.Version)), s.audit(ev))
	if bad, old := failed(err, 0); bad {
		if len(old) == 0 {
			return portal.Application{}, notFound("application", a.ID)
		}
		return portal.Application{}, stale
	}
	if err != nil {
		return portal.Application{}, err
	}
	return next, nil
}

// DeleteApplication implements portal.AppStore.
func (s *Store) DeleteApplication(ctx context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	return s.deleteApp(ctx, id, &ev)
}

// deleteApp removes an application. One transaction deletes the
// application, every credential of it (keys, ids, pointers: at most 20,
// so at most 65 items), and its credential counter on the condition that
// it still counts exactly the credentials read, so that none added
// meanwhile survives. With an event, it also takes the application from
// its developer; without (the developer is being deleted), it leaves the
// developer's partition to the caller. Registrations, which can no longer
// be added, are removed after.
func (s *Store) deleteApp(ctx context.Context, id string, ev *portal.AuditEvent) error {
	for attempt := 0; ; attempt++ {
		items, err := s.partition(ctx, appPK(id), "")
		if err != nil {
			return err
		}
		var app *appItem
		var creds []hashItem
		for _, m := range items {
			var k keys
			if err := unmarshal(m, &k); err != nil {
				return err
			}
			switch {
			case k.SK == skApp:
				app = &appItem{}
				if err := unmarshal(m, app); err != nil {
					return err
				}
			case strings.HasPrefix(k.SK, "CRED#"):
				var h hashItem
				if err := unmarshal(m, &h); err != nil {
					return err
				}
				creds = append(creds, h)
			}
		}
		if app == nil {
			if ev == nil {
				return nil
			}
			return notFound("application", id)
		}
		tx := []types.TransactWriteItem{s.del(key(appPK(id), skApp), versionIs(app.Version))}
		n := cond{expr: "#n = :n", names: nName, values: map[string]types.AttributeValue{":n": num(int64(len(creds)))}}
		if len(creds) == 0 {
			n.expr = "attribute_not_exists(#n) OR #n = :n"
		}
		tx = append(tx, s.del(key(appPK(id), skCredCount), n))
		for _, c := range creds {
			tx = append(tx,
				s.del(key(c.PK, c.SK), exists),
				s.del(key(keyPK(c.Hash), skKey), always),
				s.del(key(credPK(strings.TrimPrefix(c.SK, "CRED#")), skCred), always),
			)
		}
		if app.TeamID != "" {
			tx = append(tx, s.del(key(teamPK(app.TeamID), "APP#"+id), always))
		}
		if ev != nil {
			tx = append(tx,
				s.del(key(devPK(app.DeveloperID), "APP#"+id), always),
				s.decr(key(devPK(app.DeveloperID), skAppCount)),
				s.audit(*ev),
			)
		}
		err = s.transact(ctx, tx...)
		if bad, old := failed(err, 0); bad && len(old) == 0 {
			if ev == nil {
				return nil
			}
			return notFound("application", id)
		}
		if !anyFailed(err) {
			if err != nil {
				return err
			}
			break
		}
		if attempt >= 3*portal.MaxCredentialsPerApplication { // each retry follows a credential added or removed
			return portal.Errorf(portal.EConflict, "application %s keeps changing; try again", id)
		}
	}
	regs, err := s.partition(ctx, appPK(id), "REG#")
	if err != nil {
		return err
	}
	for _, m := range regs {
		var it regItem
		if err := unmarshal(m, &it); err != nil {
			return err
		}
		if err := s.transact(ctx,
			s.del(key(it.PK, it.SK), always),
			s.del(key(regPK(it.ID), skReg), always),
			s.del(key(apiPK(it.APIID), "REG#"+id), attrIs("RegistrationID", it.ID)),
		); err != nil && !anyFailed(err) {
			return err
		}
	}
	return nil
}

// Registrations.

// CreateRegistration implements portal.AppStore: the registration's key
// is the application and the API, so there is one per pair.
func (s *Store) CreateRegistration(ctx context.Context, r portal.Registration, ev portal.AuditEvent) error {
	ev = ev.Complete(r.ID)
	if r.CreatedAt.IsZero() {
		r.CreatedAt = ev.At
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	r.Version = 1
	err := s.transact(ctx,
		s.check(key(appPK(r.ApplicationID), skApp), exists),
		s.check(key(pkAPIs, apiSK(r.APIID)), exists),
		s.put(newRegItem(r), notExists),
		s.put(regIDItem{PK: regPK(r.ID), SK: skReg, ApplicationID: r.ApplicationID, APIID: r.APIID}, notExists),
		s.put(apiRegItem{PK: apiPK(r.APIID), SK: "REG#" + r.ApplicationID, ApplicationID: r.ApplicationID, RegistrationID: r.ID}, always),
		s.audit(ev),
	)
	if bad, _ := failed(err, 0); bad {
		return notFound("application", r.ApplicationID)
	}
	if bad, _ := failed(err, 1); bad {
		return notFound("API", r.APIID)
	}
	if bad, _ := failed(err, 2); bad {
		return portal.Errorf(portal.EConflict, "application %s is already registered to API %s", r.ApplicationID, r.APIID)
	}
	if bad, _ := failed(err, 3); bad {
		return portal.Errorf(portal.EConflict, "registration %s exists", r.ID)
	}
	return err
}

func (s *Store) getReg(ctx context.Context, id string) (portal.Registration, error) {
	var ptr regIDItem
	ok, err := s.getItem(ctx, regPK(id), skReg, &ptr)
	if err != nil {
		return portal.Registration{}, err
	}
	var it regItem
	if ok {
		ok, err = s.getItem(ctx, appPK(ptr.ApplicationID), "REG#"+ptr.APIID, &it)
	}
	if err != nil {
		return portal.Registration{}, err
	}
	if !ok || it.ID != id {
		return portal.Registration{}, notFound("registration", id)
	}
	return it.Registration, nil
}

// GetRegistration implements portal.AppStore.
func (s *Store) GetRegistration(ctx context.Context, id string) (portal.Registration, error) {
	return s.getReg(ctx, id)
}

// FindRegistration implements portal.AppStore: one read.
func (s *Store) FindRegistration(ctx context.Context, applicationID, apiID string) (portal.Registration, error) {
	var it regItem
	ok, err := s.getItem(ctx, appPK(applicationID), "REG#"+apiID, &it)
	if err == nil && !ok {
		err = portal.Errorf(portal.ENotFound, "application %s has no registration for API %s", applicationID, apiID)
	}
	return it.Registration, err
}

// ListRegistrations implements portal.AppStore.
func (s *Store) ListRegistrations(ctx context.Context, applicationID string) ([]portal.Registration, error) {
	items, err := s.partition(ctx, appPK(applicationID), "REG#")
	if err != nil {
		return nil, err
	}
	out, err := decodeAll(items, func(it *regItem) portal.Registration { return it.Registration })
	if err != nil {
		return nil, err
	}
	byCreation(out, func(r portal.Registration) time.Time { return r.CreatedAt }, func(r portal.Registration) string { return r.ID })
	return out, nil
}

// ListAllRegistrations implements portal.AppStore.
func (s *Store) ListAllRegistrations(ctx context.Context, status portal.RegistrationStatus, p portal.Page) ([]portal.Registration, int, error) {
	index, attr, pk := GSI1, AttrGSI1PK, gsiRegs
	if status != "" {
		index, attr, pk = GSI2, AttrGSI2PK, regStatusGSI(status)
	}
	items, total, err := s.indexPage(ctx, index, attr, pk, p)
	if err != nil {
		return nil, 0, err
	}
	out, err := decodeAll(items, func(it *regItem) portal.Registration { return it.Registration })
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// SetRegistrationStatus implements portal.AppStore, as SetDeveloperStatus:
// a write conditional on the version read, read again after a lost race.
func (s *Store) SetRegistrationStatus(ctx context.Context, id string, from []portal.RegistrationStatus, to portal.RegistrationStatus, ev portal.AuditEvent) (portal.Registration, error) {
	ev = ev.Complete(id)
	var next portal.Registration
	err := versioned("registration", id, func() error {
		cur, err := s.getReg(ctx, id)
		if err != nil {
			return err
		}
		if !slices.Contains(from, cur.Status) {
			return portal.Errorf(portal.EPrecondition, "registration %s is %s; it cannot become %s", id, cur.Status, to)
		}
		next = cur
		next.Status, next.UpdatedAt, next.Version = to, ev.At, cur.Version+1
		return s.transact(ctx, s.put(newRegItem(next), versionIs(cur.Version)), s.audit(ev.StatusChange(string(cur.Status), string(to))))
	})
	if err != nil {
		return portal.Registration{}, err
	}
	return next, nil
}

// DeleteRegistration implements portal.AppStore.
func (s *Store) DeleteRegistration(ctx context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	cur, err := s.getReg(ctx, id)
	if err != nil {
		return err
	}
	err = s.transact(ctx,
		s.del(key(appPK(cur.ApplicationID), "REG#"+cur.APIID), attrIs("ID", id)),
		s.del(key(regPK(id), skReg), exists),
		s.del(key(apiPK(cur.APIID), "REG#"+cur.ApplicationID), always),
		s.audit(ev),
	)
	if anyFailed(err) {
		return notFound("registration", id)
	}
	return err
}

// Credentials.

// CreateCredential implements portal.AppStore. The credential is keyed by
// its hash (unique, and the validator's one read); the application's
// credential counter goes up in the same transaction, within the limit.
func (s *Store) CreateCredential(ctx context.Context, c portal.Credential, ev portal.AuditEvent) error {
	ev = ev.Complete(c.ID)
	if c.CreatedAt.IsZero() {
		c.CreatedAt = ev.At
	}
	app, err := s.getApp(ctx, c.ApplicationID)
	if err != nil {
		return err
	}
	c.DeveloperID = app.DeveloperID // applications never change hands
	err = s.transact(ctx,
		s.check(key(appPK(c.ApplicationID), skApp), exists),
		s.put(credItem{PK: keyPK(c.Hash), SK: skKey, Credential: c}, notExists),
		s.put(hashItem{PK: credPK(c.ID), SK: skCred, Hash: c.Hash}, notExists),
		s.incr(key(appPK(c.ApplicationID), skCredCount), portal.MaxCredentialsPerApplication),
		s.put(hashItem{PK: appPK(c.ApplicationID), SK: "CRED#" + c.ID, Hash: c.Hash}, notExists),
		s.audit(ev),
	)
	if bad, _ := failed(err, 0); bad {
		return notFound("application", c.ApplicationID)
	}
	if bad, _ := failed(err, 1); bad {
		return portal.Errorf(portal.EConflict, "credential exists")
	}
	if bad, _ := failed(err, 2); bad {
		return portal.Errorf(portal.EConflict, "credential %s exists", c.ID)
	}
	if bad, _ := failed(err, 3); bad {
		return portal.Errorf(portal.EPrecondition, "application %s already has %d credentials, the most allowed", c.ApplicationID, portal.MaxCredentialsPerApplication)
	}
	if bad, _ := failed(err, 4); bad {
		return portal.Errorf(portal.EConflict, "credential %s exists", c.ID)
	}
	return err
}

// ListCredentials implements portal.AppStore.
func (s *Store) ListCredentials(ctx context.Context, applicationID string) ([]portal.Credential, error) {
	items, err := s.partition(ctx, appPK(applicationID), "CRED#")
	if err != nil || len(items) == 0 {
		return nil, err
	}
	ks := make([]map[string]types.AttributeValue, len(items))
	for i, m := range items {
		var h hashItem
		if err := unmarshal(m, &h); err != nil {
			return nil, err
		}
		ks[i] = key(keyPK(h.Hash), skKey)
	}
	got, err := s.batchGet(ctx, ks)
	if err != nil {
		return nil, err
	}
	out, err := decodeAll(got, func(it *credItem) portal.Credential { return it.Credential })
	if err != nil {
		return nil, err
	}
	byCreation(out, func(c portal.Credential) time.Time { return c.CreatedAt }, func(c portal.Credential) string { return c.ID })
	return out, nil
}

// GetCredentialByHash implements portal.AppStore: one read.
func (s *Store) GetCredentialByHash(ctx context.Context, hash string) (portal.Credential, error) {
	var it credItem
	ok, err := s.getItem(ctx, keyPK(hash), skKey, &it)
	if err == nil && !ok {
		err = portal.Errorf(portal.ENotFound, "credential not found")
	}
	return it.Credential, err
}

// appCred reads the application's credential id.
func (s *Store) appCred(ctx context.Context, applicationID, id string) (portal.Credential, error) {
	gone := portal.Errorf(portal.ENotFound, "application %s has no credential %s", applicationID, id)
	var h hashItem
	ok, err := s.getItem(ctx, appPK(applicationID), "CRED#"+id, &h)
	if err != nil {
		return portal.Credential{}, err
	}
	var it credItem
	if ok {
		ok, err = s.getItem(ctx, keyPK(h.Hash), skKey, &it)
	}
	if err != nil {
		return portal.Credential{}, err
	}
	if !ok || it.ApplicationID != applicationID || it.ID != id {
		return portal.Credential{}, gone
	}
	return it.Credential, nil
}

// ExpireCredential implements portal.AppStore: a conditional update that
// only brings the expiry forward.
func (s *Store) ExpireCredential(ctx context.Context, applicationID, id string, at time.Time, ev portal.AuditEvent) (portal.Credential, error) {
	ev = ev.Complete(id)
	at = at.UTC()
	for attempt := 0; ; attempt++ {
		cur, err := s.appCred(ctx, applicationID, id)
		if err != nil {
			return portal.Credential{}, err
		}
		if cur.ExpiresAt != nil && !cur.ExpiresAt.After(at) {
			return cur, nil
		}
		err = s.transact(ctx,
			s.update(key(keyPK(cur.Hash), skKey),
				cond{expr: "SET ExpiresAt = :at", values: map[string]types.AttributeValue{":at": str(stamp(at))}},
				cond{expr: "attribute_exists(PK) AND ApplicationID = :app AND (attribute_not_exists(ExpiresAt) OR ExpiresAt > :at)",
					values: map[string]types.AttributeValue{":app": str(applicationID)}}),
			s.audit(ev),
		)
		if !anyFailed(err) {
			if err != nil {
				return portal.Credential{}, err
			}
			cur.ExpiresAt = &at
			return cur, nil
		}
		if attempt >= maxWriteRetries {
			return portal.Credential{}, portal.Errorf(portal.EConflict, "credential %s keeps changing; try again", id)
		}
	}
}

// DeleteCredential implements portal.AppStore.
func (s *Store) DeleteCredential(ctx context.Context, applicationID, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	cur, err := s.appCred(ctx, applicationID, id)
	if err != nil {
		return err
	}
	err = s.transact(ctx,
		s.del(key(appPK(applicationID), "CRED#"+id), exists),
		s.del(key(keyPK(cur.Hash), skKey), always),
		s.del(key(credPK(id), skCred), always),
		s.decr(key(appPK(applicationID), skCredCount)),
		s.audit(ev),
	)
	if anyFailed(err) {
		return portal.Errorf(portal.ENotFound, "application %s has no credential %s", applicationID, id)
	}
	return err
}

// TouchCredential implements portal.AppStore: an update that only moves
// LastUsedAt forward, and never brings back a deleted credential.
func (s *Store) TouchCredential(ctx context.Context, id string, at time.Time) error {
	var h hashItem
	ok, err := s.getItem(ctx, credPK(id), skCred, &h)
	if err != nil {
		return err
	}
	if !ok {
		return notFound("credential", id)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           s.table,
		Key:                                 key(keyPK(h.Hash), skKey),
		UpdateExpression:                    aws.String("SET LastUsedAt = :at"),
		ConditionExpression:                 aws.String("attribute_exists(PK) AND (attribute_not_exists(LastUsedAt) OR LastUsedAt < :at)"),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":at": str(stamp(at))},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if len(ccf.Item) == 0 {
			return notFound("credential", id)
		}
		return nil // used later already
	}
	if err != nil {
		return fmt.Errorf("dynamostore: touch credential: %w", err)
	}
	return nil
}

// ListDeveloperRoles implements portal.AppStore: the developer's teams
// (one query), then each team's roles (one query each, in parallel).
func (s *Store) ListDeveloperRoles(ctx context.Context, developerID string) ([]portal.RoleAssignment, error) {
	items, err := s.partition(ctx, devPK(developerID), "TEAM#")
	if err != nil {
		return nil, err
	}
	results := make([][]map[string]types.AttributeValue, len(items))
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i, m := range items {
		var it devTeamItem
		if err := unmarshal(m, &it); err != nil {
			return nil, err
		}
		wg.Go(func() { results[i], errs[i] = s.partition(ctx, teamPK(it.TeamID), "ROLE#") })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []portal.RoleAssignment
	for _, rs := range results {
		for _, m := range rs {
			var it roleItem
			if err := unmarshal(m, &it); err != nil {
				return nil, err
			}
			out = append(out, it.RoleAssignment)
		}
	}
	byCreation(out, func(r portal.RoleAssignment) time.Time { return r.CreatedAt }, func(r portal.RoleAssignment) string { return r.ID })
	return out, nil
}
