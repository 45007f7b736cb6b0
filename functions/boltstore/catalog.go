package boltstore

import (
	"context"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/portal-dev/portal/functions/portal"
)

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
		if err := eachValue(b, nil, func(a portal.API) {
			if !keep[a.ID] {
				gone = append(gone, a)
			}
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
			if err := eachSuffix(tx.Bucket(bAPIRegs), key(a.ID, ""), func(app string) error { return deleteReg(tx, app, a.ID) }); err != nil {
				return err
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
		return lookup(tx.Bucket(bAPIs), []byte(id), &a, "API %s not found", id)
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
	ev = ev.CompleteNew(st.ID, &st.CreatedAt, nil)
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
		return eachValue(tx.Bucket(bStrategies), nil, func(st portal.AuthStrategy) { out = append(out, st) })
	})
	return withDefaultStrategy(out), err
}

// withDefaultStrategy sorts strategies by creation and puts the built-in
// default first unless one with its id is stored.
func withDefaultStrategy(out []portal.AuthStrategy) []portal.AuthStrategy {
	portal.SortByCreated(out, func(st portal.AuthStrategy) (time.Time, string) { return st.CreatedAt, st.ID })
	if !slices.ContainsFunc(out, func(st portal.AuthStrategy) bool { return st.ID == portal.DefaultAuthStrategyID }) {
		out = slices.Insert(out, 0, portal.DefaultAuthStrategy())
	}
	return out
}
