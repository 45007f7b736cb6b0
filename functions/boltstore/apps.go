package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/portal-dev/portal/functions/portal"
)

// Records of the application side: the domain types hide owners, hashes
// and versions from JSON.
type (
	appRec struct {
		portal.Application
		DeveloperID string `json:"developer_id"`
		Version     int64  `json:"version"`
	}
	regRec struct {
		portal.Registration
		Version int64 `json:"version"`
	}
	credRec struct {
		portal.Credential
		ApplicationID string `json:"application_id"`
		DeveloperID   string `json:"developer_id"`
		Hash          string `json:"hash"`
	}
)

func (r appRec) app() portal.Application {
	a := r.Application
	a.DeveloperID, a.Version = r.DeveloperID, r.Version
	return a
}

func (r regRec) reg() portal.Registration { g := r.Registration; g.Version = r.Version; return g }

func (r credRec) cred() portal.Credential {
	c := r.Credential
	c.ApplicationID, c.DeveloperID, c.Hash = r.ApplicationID, r.DeveloperID, r.Hash
	return c
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Catalog.

// PublishAPIs implements portal.AppStore, in one transaction.
func (s *Store) PublishAPIs(_ context.Context, apis []portal.API, ev portal.AuditEvent) (int, error) {
	if err := portal.CheckCatalog(apis); err != nil {
		return 0, err
	}
	ev = ev.Complete("")
	changed := 0
	err := s.update(func(tx *bolt.Tx) error {
		changed = 0
		b, slugs := tx.Bucket(bAPIs), tx.Bucket(bAPISlugs)
		keep := map[string]bool{}
		for _, a := range apis {
			keep[a.ID] = true
		}
		var gone []portal.API
		if err := forEach(b, nil, func(k, v []byte) error {
			var a portal.API
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			if !keep[a.ID] {
				gone = append(gone, a)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, a := range gone {
			if err := b.Delete([]byte(a.ID)); err != nil {
				return err
			}
			if id := slugs.Get([]byte(a.Slug)); string(id) == a.ID {
				if err := slugs.Delete([]byte(a.Slug)); err != nil {
					return err
				}
			}
			var apps []string
			if err := forEach(tx.Bucket(bAPIRegs), key(a.ID, ""), func(k, _ []byte) error {
				apps = append(apps, suffix(k))
				return nil
			}); err != nil {
				return err
			}
			for _, app := range apps {
				if err := deleteReg(tx, app, a.ID); err != nil {
					return err
				}
			}
			if err := s.audit(tx, ev.ForAPI(a.ID, "deleted"), a.ID); err != nil {
				return err
			}
			changed++
		}
		for _, a := range apis {
			var cur portal.API
			ok, err := get(b, []byte(a.ID), &cur)
			if err != nil {
				return err
			}
			if ok && portal.SameAPI(cur, a) {
				continue
			}
			if ok && cur.Slug != a.Slug {
				if id := slugs.Get([]byte(cur.Slug)); string(id) == a.ID {
					if err := slugs.Delete([]byte(cur.Slug)); err != nil {
						return err
					}
				}
			}
			a.PublishedAt = ev.At
			if len(a.Labels) == 0 {
				a.Labels = nil
			}
			if err := put(b, []byte(a.ID), a); err != nil {
				return err
			}
			if err := slugs.Put([]byte(a.Slug), []byte(a.ID)); err != nil {
				return err
			}
			change := "created"
			if ok {
				change = "updated"
			}
			if err := s.audit(tx, ev.ForAPI(a.ID, change), a.ID); err != nil {
				return err
			}
			changed++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return changed, nil
}

// GetAPI implements portal.AppStore.
func (s *Store) GetAPI(_ context.Context, id string) (portal.API, error) {
	var a portal.API
	err := s.view(func(tx *bolt.Tx) error {
		ok, err := get(tx.Bucket(bAPIs), []byte(id), &a)
		if err == nil && !ok {
			err = notFound("API", id)
		}
		return err
	})
	return a, err
}

// GetAPIBySlug implements portal.AppStore.
func (s *Store) GetAPIBySlug(_ context.Context, slug string) (portal.API, error) {
	var a portal.API
	err := s.view(func(tx *bolt.Tx) error {
		id := tx.Bucket(bAPISlugs).Get([]byte(slug))
		if id == nil {
			return notFound("API", slug)
		}
		ok, err := get(tx.Bucket(bAPIs), id, &a)
		if err == nil && (!ok || a.Slug != slug) {
			err = notFound("API", slug)
		}
		return err
	})
	return a, err
}

// ListAPIs implements portal.AppStore.
func (s *Store) ListAPIs(_ context.Context) ([]portal.API, error) {
	var out []portal.API
	err := s.view(func(tx *bolt.Tx) error {
		return forEach(tx.Bucket(bAPISlugs), nil, func(slug, id []byte) error {
			var a portal.API
			ok, err := get(tx.Bucket(bAPIs), id, &a)
			if ok && a.Slug == string(slug) {
				out = append(out, a)
			}
			return err
		})
	})
	return out, err
}

// Auth strategies.

// CreateAuthStrategy implements portal.AppStore.
func (s *Store) CreateAuthStrategy(_ context.Context, st portal.AuthStrategy, ev portal.AuditEvent) error {
	ev = ev.Complete(st.ID)
	if st.CreatedAt.IsZero() {
		st.CreatedAt = ev.At
	}
	st.CreatedAt = st.CreatedAt.UTC()
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bStrategies)
		if b.Get([]byte(st.ID)) != nil {
			return portal.Errorf(portal.EConflict, "auth strategy %s exists", st.ID)
		}
		if err := put(b, []byte(st.ID), st); err != nil {
			return err
		}
		return s.audit(tx, ev, st.ID)
	})
}

// GetAuthStrategy implements portal.AppStore.
func (s *Store) GetAuthStrategy(_ context.Context, id string) (portal.AuthStrategy, error) {
	var st portal.AuthStrategy
	err := s.view(func(tx *bolt.Tx) error {
		ok, err := get(tx.Bucket(bStrategies), []byte(id), &st)
		switch {
		case err != nil:
			return err
		case !ok && id == portal.DefaultAuthStrategyID:
			st = portal.DefaultAuthStrategy()
		case !ok:
			return notFound("auth strategy", id)
		}
		return nil
	})
	return st, err
}

// ListAuthStrategies implements portal.AppStore.
func (s *Store) ListAuthStrategies(_ context.Context) ([]portal.AuthStrategy, error) {
	var out []portal.AuthStrategy
	err := s.view(func(tx *bolt.Tx) error {
		return forEach(tx.Bucket(bStrategies), nil, func(_, v []byte) error {
			var st portal.AuthStrategy
			if err := json.Unmarshal(v, &st); err != nil {
				return err
			}
			out = append(out, st)
			return nil
		})
	})
	return withDefaultStrategy(out), err
}

// withDefaultStrategy sorts strategies by creation and puts the built-in
// default first unless one with its id is stored.
func withDefaultStrategy(out []portal.AuthStrategy) []portal.AuthStrategy {
	slices.SortFunc(out, func(a, b portal.AuthStrategy) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if !slices.ContainsFunc(out, func(st portal.AuthStrategy) bool { return st.ID == portal.DefaultAuthStrategyID }) {
		out = slices.Insert(out, 0, portal.DefaultAuthStrategy())
	}
	return out
}

// Applications.

func getApp(tx *bolt.Tx, id string) (appRec, error) {
	var r appRec
	ok, err := get(tx.Bucket(bApps), []byte(id), &r)
	if err == nil && !ok {
		err = notFound("application", id)
	}
	return r, err
}

func putApp(tx *bolt.Tx, a portal.Application) error {
	return put(tx.Bucket(bApps), []byte(a.ID), appRec{Application: a, DeveloperID: a.DeveloperID, Version: a.Version})
}

// CreateApplication implements portal.AppStore.
func (s *Store) CreateApplication(_ context.Context, a portal.Application, ev portal.AuditEvent) error {
	ev = ev.Complete(a.ID)
	if a.CreatedAt.IsZero() {
		a.CreatedAt = ev.At
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	a.CreatedAt, a.UpdatedAt, a.Version = a.CreatedAt.UTC(), a.UpdatedAt.UTC(), 1
	return s.update(func(tx *bolt.Tx) error {
		if _, err := getDev(tx, a.DeveloperID); err != nil {
			return err
		}
		if a.TeamID != "" {
			if _, err := getTeam(tx, a.TeamID); err != nil {
				return err
			}
		}
		if tx.Bucket(bApps).Get([]byte(a.ID)) != nil {
			return portal.Errorf(portal.EConflict, "application %s exists", a.ID)
		}
		n := 0
		if err := forEach(tx.Bucket(bDevApps), key(a.DeveloperID, ""), func(_, _ []byte) error { n++; return nil }); err != nil {
			return err
		}
		if n >= portal.MaxApplicationsPerDeveloper {
			return portal.Errorf(portal.EPrecondition, "developer %s already has %d applications, the most allowed", a.DeveloperID, n)
		}
		if err := putApp(tx, a); err != nil {
			return err
		}
		if err := tx.Bucket(bAppOrder).Put(key(stamp(a.CreatedAt), a.ID), nil); err != nil {
			return err
		}
		if err := tx.Bucket(bDevApps).Put(key(a.DeveloperID, stamp(a.CreatedAt), a.ID), nil); err != nil {
			return err
		}
		return s.audit(tx, ev, a.ID)
	})
}

// GetApplication implements portal.AppStore.
func (s *Store) GetApplication(_ context.Context, id string) (portal.Application, error) {
	var r appRec
	err := s.view(func(tx *bolt.Tx) (err error) { r, err = getApp(tx, id); return err })
	if err != nil {
		return portal.Application{}, err
	}
	return r.app(), nil
}

// listApps pages the applications named by the last part of the keys
// under prefix in an order bucket.
func (s *Store) listApps(bucket, prefix []byte, p portal.Page) ([]portal.Application, int, error) {
	var out []portal.Application
	var total int
	err := s.view(func(tx *bolt.Tx) error {
		var all []string
		if err := forEach(tx.Bucket(bucket), prefix, func(k, _ []byte) error {
			all = append(all, suffix(k))
			return nil
		}); err != nil {
			return err
		}
		total = len(all)
		from, to := page(total, p)
		for _, id := range all[from:to] {
			r, err := getApp(tx, id)
			if err != nil {
				return err
			}
			out = append(out, r.app())
		}
		return nil
	})
	return out, total, err
}

// ListApplications implements portal.AppStore.
func (s *Store) ListApplications(_ context.Context, developerID string, p portal.Page) ([]portal.Application, int, error) {
	return s.listApps(bDevApps, key(developerID, ""), p)
}

// ListTeamApplications implements portal.AppStore: the embedded store
// holds one portal's applications, so it reads them in creation order.
func (s *Store) ListTeamApplications(_ context.Context, teamID string) ([]portal.Application, error) {
	out := []portal.Application{}
	err := s.view(func(tx *bolt.Tx) error {
		return forEach(tx.Bucket(bAppOrder), nil, func(k, _ []byte) error {
			id := string(k[bytes.LastIndexByte(k, 0)+1:])
			r, err := getApp(tx, id)
			if err != nil {
				return err
			}
			if a := r.app(); a.TeamID == teamID {
				out = append(out, a)
			}
			return nil
		})
	})
	return out, err
}

// ListAllApplications implements portal.AppStore.
func (s *Store) ListAllApplications(_ context.Context, p portal.Page) ([]portal.Application, int, error) {
	return s.listApps(bAppOrder, nil, p)
}

// UpdateApplication implements portal.AppStore.
func (s *Store) UpdateApplication(_ context.Context, a portal.Application, ev portal.AuditEvent) (portal.Application, error) {
	ev = ev.Complete(a.ID)
	var out portal.Application
	err := s.update(func(tx *bolt.Tx) error {
		r, err := getApp(tx, a.ID)
		if err != nil {
			return err
		}
		if r.Version != a.Version {
			return portal.Errorf(portal.EConflict, "application %s changed since it was read (version %d, not %d)", a.ID, r.Version, a.Version)
		}
		out = r.app()
		out.Name, out.Description, out.AuthStrategyID = a.Name, a.Description, a.AuthStrategyID
		out.UpdatedAt, out.Version = ev.At, r.Version+1
		if err := putApp(tx, out); err != nil {
			return err
		}
		return s.audit(tx, ev, a.ID)
	})
	return out, err
}

// DeleteApplication implements portal.AppStore.
func (s *Store) DeleteApplication(_ context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	return s.update(func(tx *bolt.Tx) error {
		if err := deleteApp(tx, id); err != nil {
			return err
		}
		return s.audit(tx, ev, id)
	})
}

// deleteApp removes an application with its registrations and
// credentials.
func deleteApp(tx *bolt.Tx, id string) error {
	r, err := getApp(tx, id)
	if err != nil {
		return err
	}
	created := stamp(r.CreatedAt)
	for _, del := range []struct{ b, k []byte }{
		{bApps, []byte(id)},
		{bAppOrder, key(created, id)},
		{bDevApps, key(r.DeveloperID, created, id)},
	} {
		if err := tx.Bucket(del.b).Delete(del.k); err != nil {
			return err
		}
	}
	var apis []string
	if err := forEach(tx.Bucket(bAppRegs), key(id, ""), func(k, _ []byte) error {
		apis = append(apis, suffix(k))
		return nil
	}); err != nil {
		return err
	}
	for _, api := range apis {
		if err := deleteReg(tx, id, api); err != nil {
			return err
		}
	}
	var creds []string
	if err := forEach(tx.Bucket(bAppCreds), key(id, ""), func(k, _ []byte) error {
		creds = append(creds, suffix(k))
		return nil
	}); err != nil {
		return err
	}
	for _, c := range creds {
		if err := deleteCred(tx, id, c); err != nil {
			return err
		}
	}
	return nil
}

// Registrations.

func getReg(tx *bolt.Tx, id string) (regRec, error) {
	var r regRec
	ok, err := get(tx.Bucket(bRegs), []byte(id), &r)
	if err == nil && !ok {
		err = notFound("registration", id)
	}
	return r, err
}

func putReg(tx *bolt.Tx, r portal.Registration) error {
	if err := put(tx.Bucket(bRegs), []byte(r.ID), regRec{Registration: r, Version: r.Version}); err != nil {
		return err
	}
	return tx.Bucket(bRegOrder).Put(key(stamp(r.CreatedAt), r.ID), []byte(r.Status))
}

// deleteReg removes the application's registration for an API, if any.
func deleteReg(tx *bolt.Tx, appID, apiID string) error {
	id := tx.Bucket(bAppRegs).Get(key(appID, apiID))
	if id == nil {
		return nil
	}
	r, err := getReg(tx, string(id))
	if err != nil {
		return err
	}
	for _, del := range []struct{ b, k []byte }{
		{bRegs, []byte(r.ID)},
		{bRegOrder, key(stamp(r.CreatedAt), r.ID)},
		{bAppRegs, key(appID, apiID)},
		{bAPIRegs, key(apiID, appID)},
	} {
		if err := tx.Bucket(del.b).Delete(del.k); err != nil {
			return err
		}
	}
	return nil
}

// CreateRegistration implements portal.AppStore.
func (s *Store) CreateRegistration(_ context.Context, r portal.Registration, ev portal.AuditEvent) error {
	ev = ev.Complete(r.ID)
	if r.CreatedAt.IsZero() {
		r.CreatedAt = ev.At
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	r.CreatedAt, r.UpdatedAt, r.Version = r.CreatedAt.UTC(), r.UpdatedAt.UTC(), 1
	return s.update(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, r.ApplicationID); err != nil {
			return err
		}
		if tx.Bucket(bAPIs).Get([]byte(r.APIID)) == nil {
			return notFound("API", r.APIID)
		}
		k := key(r.ApplicationID, r.APIID)
		if tx.Bucket(bAppRegs).Get(k) != nil {
			return portal.Errorf(portal.EConflict, "application %s is already registered to API %s", r.ApplicationID, r.APIID)
		}
		if tx.Bucket(bRegs).Get([]byte(r.ID)) != nil {
			return portal.Errorf(portal.EConflict, "registration %s exists", r.ID)
		}
		if err := putReg(tx, r); err != nil {
			return err
		}
		if err := tx.Bucket(bAppRegs).Put(k, []byte(r.ID)); err != nil {
			return err
		}
		if err := tx.Bucket(bAPIRegs).Put(key(r.APIID, r.ApplicationID), []byte(r.ID)); err != nil {
			return err
		}
		return s.audit(tx, ev, r.ID)
	})
}

// GetRegistration implements portal.AppStore.
func (s *Store) GetRegistration(_ context.Context, id string) (portal.Registration, error) {
	var r regRec
	err := s.view(func(tx *bolt.Tx) (err error) { r, err = getReg(tx, id); return err })
	if err != nil {
		return portal.Registration{}, err
	}
	return r.reg(), nil
}

// FindRegistration implements portal.AppStore.
func (s *Store) FindRegistration(_ context.Context, applicationID, apiID string) (portal.Registration, error) {
	var r regRec
	err := s.view(func(tx *bolt.Tx) (err error) {
		id := tx.Bucket(bAppRegs).Get(key(applicationID, apiID))
		if id == nil {
			return portal.Errorf(portal.ENotFound, "application %s has no registration for API %s", applicationID, apiID)
		}
		r, err = getReg(tx, string(id))
		return err
	})
	if err != nil {
		return portal.Registration{}, err
	}
	return r.reg(), nil
}

// ListRegistrations implements portal.AppStore.
func (s *Store) ListRegistrations(_ context.Context, applicationID string) ([]portal.Registration, error) {
	var out []portal.Registration
	err := s.view(func(tx *bolt.Tx) error {
		return forEach(tx.Bucket(bAppRegs), key(applicationID, ""), func(_, id []byte) error {
			r, err := getReg(tx, string(id))
			if err == nil {
				out = append(out, r.reg())
			}
			return err
		})
	})
	sortRegs(out)
	return out, err
}

func sortRegs(rs []portal.Registration) {
	slices.SortFunc(rs, func(a, b portal.Registration) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// ListAllRegistrations implements portal.AppStore.
func (s *Store) ListAllRegistrations(_ context.Context, status portal.RegistrationStatus, p portal.Page) ([]portal.Registration, int, error) {
	var out []portal.Registration
	var total int
	err := s.view(func(tx *bolt.Tx) error {
		var match []string
		if err := forEach(tx.Bucket(bRegOrder), nil, func(k, v []byte) error {
			if status == "" || string(v) == string(status) {
				match = append(match, suffix(k))
			}
			return nil
		}); err != nil {
			return err
		}
		total = len(match)
		from, to := page(total, p)
		for _, id := range match[from:to] {
			r, err := getReg(tx, id)
			if err != nil {
				return err
			}
			out = append(out, r.reg())
		}
		return nil
	})
	return out, total, err
}

// SetRegistrationStatus implements portal.AppStore.
func (s *Store) SetRegistrationStatus(_ context.Context, id string, from []portal.RegistrationStatus, to portal.RegistrationStatus, ev portal.AuditEvent) (portal.Registration, error) {
	ev = ev.Complete(id)
	var out portal.Registration
	err := s.update(func(tx *bolt.Tx) error {
		r, err := getReg(tx, id)
		if err != nil {
			return err
		}
		out = r.reg()
		if !slices.Contains(from, out.Status) {
			return portal.Errorf(portal.EPrecondition, "registration %s is %s; it cannot become %s", id, out.Status, to)
		}
		prev := out.Status
		out.Status, out.UpdatedAt, out.Version = to, ev.At, out.Version+1
		if err := putReg(tx, out); err != nil {
			return err
		}
		return s.audit(tx, ev.StatusChange(string(prev), string(to)), id)
	})
	return out, err
}

// DeleteRegistration implements portal.AppStore.
func (s *Store) DeleteRegistration(_ context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	return s.update(func(tx *bolt.Tx) error {
		r, err := getReg(tx, id)
		if err != nil {
			return err
		}
		if err := deleteReg(tx, r.ApplicationID, r.APIID); err != nil {
			return err
		}
		return s.audit(tx, ev, id)
	})
}

// Credentials.

func getCred(tx *bolt.Tx, hash []byte) (credRec, bool, error) {
	var r credRec
	ok, err := get(tx.Bucket(bCreds), hash, &r)
	return r, ok, err
}

// appCred reads the application's credential id.
func appCred(tx *bolt.Tx, appID, id string) (credRec, error) {
	hash := tx.Bucket(bAppCreds).Get(key(appID, id))
	if hash == nil {
		return credRec{}, portal.Errorf(portal.ENotFound, "application %s has no credential %s", appID, id)
	}
	r, ok, err := getCred(tx, hash)
	if err == nil && !ok {
		err = portal.Errorf(portal.ENotFound, "application %s has no credential %s", appID, id)
	}
	return r, err
}

func deleteCred(tx *bolt.Tx, appID, id string) error {
	hash := tx.Bucket(bAppCreds).Get(key(appID, id))
	if hash == nil {
		return nil
	}
	hash = bytes.Clone(hash)
	if err := tx.Bucket(bCreds).Delete(hash); err != nil {
		return err
	}
	if err := tx.Bucket(bCredIDs).Delete([]byte(id)); err != nil {
		return err
	}
	return tx.Bucket(bAppCreds).Delete(key(appID, id))
}

// CreateCredential implements portal.AppStore.
func (s *Store) CreateCredential(_ context.Context, c portal.Credential, ev portal.AuditEvent) error {
	ev = ev.Complete(c.ID)
	if c.CreatedAt.IsZero() {
		c.CreatedAt = ev.At
	}
	c.CreatedAt, c.ExpiresAt, c.LastUsedAt = c.CreatedAt.UTC(), utcPtr(c.ExpiresAt), utcPtr(c.LastUsedAt)
	return s.update(func(tx *bolt.Tx) error {
		app, err := getApp(tx, c.ApplicationID)
		if err != nil {
			return err
		}
		c.DeveloperID = app.DeveloperID
		if tx.Bucket(bCreds).Get([]byte(c.Hash)) != nil {
			return portal.Errorf(portal.EConflict, "credential exists")
		}
		if tx.Bucket(bCredIDs).Get([]byte(c.ID)) != nil {
			return portal.Errorf(portal.EConflict, "credential %s exists", c.ID)
		}
		n := 0
		if err := forEach(tx.Bucket(bAppCreds), key(c.ApplicationID, ""), func(_, _ []byte) error { n++; return nil }); err != nil {
			return err
		}
		if n >= portal.MaxCredentialsPerApplication {
			return portal.Errorf(portal.EPrecondition, "application %s already has %d credentials, the most allowed", c.ApplicationID, n)
		}
		if err := put(tx.Bucket(bCreds), []byte(c.Hash), credRec{Credential: c, ApplicationID: c.ApplicationID, DeveloperID: c.DeveloperID, Hash: c.Hash}); err != nil {
			return err
		}
		if err := tx.Bucket(bCredIDs).Put([]byte(c.ID), []byte(c.Hash)); err != nil {
			return err
		}
		if err := tx.Bucket(bAppCreds).Put(key(c.ApplicationID, c.ID), []byte(c.Hash)); err != nil {
			return err
		}
		return s.audit(tx, ev, c.ID)
	})
}

// ListCredentials implements portal.AppStore.
func (s *Store) ListCredentials(_ context.Context, applicationID string) ([]portal.Credential, error) {
	var out []portal.Credential
	err := s.view(func(tx *bolt.Tx) error {
		return forEach(tx.Bucket(bAppCreds), key(applicationID, ""), func(_, hash []byte) error {
			r, ok, err := getCred(tx, hash)
			if ok {
				out = append(out, r.cred())
			}
			return err
		})
	})
	slices.SortFunc(out, func(a, b portal.Credential) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

// GetCredentialByHash implements portal.AppStore.
func (s *Store) GetCredentialByHash(_ context.Context, hash string) (portal.Credential, error) {
	var r credRec
	err := s.view(func(tx *bolt.Tx) error {
		var ok bool
		var err error
		r, ok, err = getCred(tx, []byte(hash))
		if err == nil && !ok {
			err = portal.Errorf(portal.ENotFound, "credential not found")
		}
		return err
	})
	if err != nil {
		return portal.Credential{}, err
	}
	return r.cred(), nil
}

// ExpireCredential implements portal.AppStore.
func (s *Store) ExpireCredential(_ context.Context, applicationID, id string, at time.Time, ev portal.AuditEvent) (portal.Credential, error) {
	ev = ev.Complete(id)
	at = at.UTC()
	var out portal.Credential
	err := s.update(func(tx *bolt.Tx) error {
		r, err := appCred(tx, applicationID, id)
		if err != nil {
			return err
		}
		if r.ExpiresAt != nil && !r.ExpiresAt.After(at) {
			out = r.cred()
			return nil
		}
		r.ExpiresAt = &at
		out = r.cred()
		if err := put(tx.Bucket(bCreds), []byte(r.Hash), r); err != nil {
			return err
		}
		return s.audit(tx, ev, id)
	})
	if err != nil {
		return portal.Credential{}, err
	}
	return out, nil
}

// DeleteCredential implements portal.AppStore.
func (s *Store) DeleteCredential(_ context.Context, applicationID, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	return s.update(func(tx *bolt.Tx) error {
		if _, err := appCred(tx, applicationID, id); err != nil {
			return err
		}
		if err := deleteCred(tx, applicationID, id); err != nil {
			return err
		}
		return s.audit(tx, ev, id)
	})
}

// TouchCredential implements portal.AppStore.
func (s *Store) TouchCredential(_ context.Context, id string, at time.Time) error {
	at = at.UTC()
	return s.update(func(tx *bolt.Tx) error {
		hash := tx.Bucket(bCredIDs).Get([]byte(id))
		if hash == nil {
			return notFound("credential", id)
		}
		hash = bytes.Clone(hash)
		r, ok, err := getCred(tx, hash)
		if err != nil || !ok {
			return err
		}
		if r.LastUsedAt != nil && !r.LastUsedAt.Before(at) {
			return nil
		}
		r.LastUsedAt = &at
		return put(tx.Bucket(bCreds), hash, r)
	})
}

// ListDeveloperRoles implements portal.AppStore.
func (s *Store) ListDeveloperRoles(_ context.Context, developerID string) ([]portal.RoleAssignment, error) {
	var out []portal.RoleAssignment
	err := s.view(func(tx *bolt.Tx) error {
		return forEach(tx.Bucket(bDevTeams), key(developerID, ""), func(k, _ []byte) error {
			return forEach(tx.Bucket(bRoles), key(suffix(k), ""), func(_, v []byte) error {
				var r roleRec
				if err := json.Unmarshal(v, &r); err != nil {
					return err
				}
				out = append(out, r.role())
				return nil
			})
		})
	})
	slices.SortFunc(out, func(a, b portal.RoleAssignment) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}
