package dynamostore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/portal-dev/portal/functions/portal"
)

func (s *Store) getDev(ctx context.Context, id string) (portal.Developer, error) {
	var it devItem
	err := s.getOne(ctx, devPK(id), skDev, &it, "developer", id)
	return it.Developer, err
}

// CreateDeveloper implements portal.Store.
func (s *Store) CreateDeveloper(ctx context.Context, d portal.Developer, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(d.ID, &d.CreatedAt, &d.UpdatedAt)
	d.Version = 1
	return s.createUnique(ctx, newDevItem(d), emailItem{PK: emailPK(d.Email), SK: "EMAIL", DeveloperID: d.ID}, ev,
		portal.Errorf(portal.EConflict, "developer %s exists", d.ID),
		portal.Errorf(portal.EConflict, "a developer with email %s exists", d.Email))
}

// GetDeveloper implements portal.Store.
func (s *Store) GetDeveloper(ctx context.Context, id string) (portal.Developer, error) {
	return s.getDev(ctx, id)
}

// GetDeveloperByEmail implements portal.Store.
func (s *Store) GetDeveloperByEmail(ctx context.Context, email string) (portal.Developer, error) {
	var it emailItem
	ok, err := s.getItem(ctx, emailPK(email), "EMAIL", &it)
	if err != nil {
		return portal.Developer{}, err
	}
	if !ok {
		return portal.Developer{}, notFound("developer with email", email)
	}
	return s.getDev(ctx, it.DeveloperID)
}

// ListDevelopers implements portal.Store.
func (s *Store) ListDevelopers(ctx context.Context, f portal.DeveloperFilter, p portal.Page) ([]portal.Developer, int, error) {
	index, attr, pk := GSI1, AttrGSI1PK, gsiDevelopers
	if f.Status != "" {
		index, attr, pk = GSI2, AttrGSI2PK, devStatusGSI(f.Status)
	}
	if f.HasText() {
		// DynamoDB's contains() minds case: read the partition and match
		// here.
		items, err := s.indexAll(ctx, rangeQuery{index: index, pkAttr: attr, pk: pk, forward: true})
		if err != nil {
			return nil, 0, err
		}
		all, err := decodeAll(items, func(it *devItem) portal.Developer { return it.Developer })
		if err != nil {
			return nil, 0, err
		}
		all = slices.DeleteFunc(all, func(d portal.Developer) bool { return !f.MatchText(d) })
		return portal.PageOf(all, p), len(all), nil
	}
	return listIndex(ctx, s, index, attr, pk, p, func(it *devItem) portal.Developer { return it.Developer })
}

// UpdateDeveloper implements portal.Store.
func (s *Store) UpdateDeveloper(ctx context.Context, d portal.Developer, ev portal.AuditEvent) (portal.Developer, error) {
	ev = ev.Complete(d.ID)
	cur, err := s.getDev(ctx, d.ID)
	if err != nil {
		return portal.Developer{}, err
	}
	next := cur
	next.FullName, next.PasswordHash, next.EmailVerified = d.FullName, d.PasswordHash, d.EmailVerified
	next.UpdatedAt, next.Version = ev.At, cur.Version+1
	if err := s.writeVersion(ctx, "developer", d.ID, d.Version, cur.Version, newDevItem(next), ev); err != nil {
		return portal.Developer{}, err
	}
	return next, nil
}

// SetDeveloperStatus implements portal.Store (setStatus).
func (s *Store) SetDeveloperStatus(ctx context.Context, id string, from []portal.DeveloperStatus, to portal.DeveloperStatus, ev portal.AuditEvent) (portal.Developer, error) {
	return setStatus(ctx, s, "developer", id, from, to, ev, s.getDev,
		func(d *portal.Developer) (*portal.DeveloperStatus, *time.Time, *int64) {
			return &d.Status, &d.UpdatedAt, &d.Version
		},
		func(d portal.Developer) any { return newDevItem(d) })
}

// DeleteDeveloper implements portal.Store. One transaction removes the
// developer and frees the email; after it no session, membership or
// application can be added (they check the developer exists), so the
// clean-up that follows finds every one.
func (s *Store) DeleteDeveloper(ctx context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	err := versioned("developer", id, func() error {
		cur, err := s.getDev(ctx, id)
		if err != nil {
			return err
		}
		return s.transact(ctx,
			s.del(key(devPK(id), skDev), versionIs(cur.Version)),
			s.del(key(emailPK(cur.Email), "EMAIL"), attrIs("DeveloperID", id)),
			s.audit(ev),
		)
	})
	if err != nil {
		return err
	}
	return s.cleanDeveloper(ctx, id)
}

func (s *Store) cleanDeveloper(ctx context.Context, id string) error {
	ks, err := s.partitionKeys(ctx, devPK(id), "")
	if err != nil {
		return err
	}
	for _, k := range ks {
		switch {
		case strings.HasPrefix(k.SK, "SESSION#"):
			err = s.deleteItem(ctx, sessionPK(strings.TrimPrefix(k.SK, "SESSION#")), "SESSION")
		case strings.HasPrefix(k.SK, "TEAM#"):
			err = s.deleteItem(ctx, k.SK, "MEMBER#"+id)
		case strings.HasPrefix(k.SK, "APP#"):
			err = s.deleteApp(ctx, strings.TrimPrefix(k.SK, "APP#"), nil)
		}
		if err == nil {
			err = s.deleteItem(ctx, k.PK, k.SK)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
