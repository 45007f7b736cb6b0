package dynamostore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/portal-dev/portal/functions/portal"
)

func (s *Store) storedAPIs(ctx context.Context) (map[string]apiItem, error) {
	items, err := listPartition(ctx, s, pkAPIs, "API#", func(it *apiItem) apiItem { return *it })
	if err != nil {
		return nil, err
	}
	out := make(map[string]apiItem, len(items))
	for _, it := range items {
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
		// write runs one API's transaction; false when another publish
		// changed the API first (the loop then reads the catalog again).
		write := func(items ...types.TransactWriteItem) (bool, error) {
			err := s.transact(ctx, items...)
			if anyFailed(err) {
				raced = true
				return false, nil
			}
			if err != nil {
				return false, err
			}
			changed++
			return true, nil
		}
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
			ok, err := write(items...)
			if err != nil {
				return changed, err
			}
			if !ok {
				continue
			}
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
			if _, err := write(items...); err != nil {
				return changed, err
			}
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
	return transactEach(ctx, s, apiPK(apiID), "REG#", func(it apiRegItem) []types.TransactWriteItem {
		return []types.TransactWriteItem{
			s.del(key(appPK(it.ApplicationID), "REG#"+apiID), attrIs("ID", it.RegistrationID)),
			s.del(key(regPK(it.RegistrationID), skReg), always),
			s.del(key(it.PK, it.SK), always),
		}
	})
}

// GetAPI implements portal.AppStore.
func (s *Store) GetAPI(ctx context.Context, id string) (portal.API, error) {
	var it apiItem
	err := s.getOne(ctx, pkAPIs, apiSK(id), &it, "API", id)
	return it.API, err
}

// GetAPIBySlug implements portal.AppStore: one read of the slug's copy.
func (s *Store) GetAPIBySlug(ctx context.Context, slug string) (portal.API, error) {
	var it apiItem
	err := s.getOne(ctx, apiSlugPK(slug), skAPISlug, &it, "API", slug)
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
	ev = ev.CompleteNew(st.ID, &st.CreatedAt, nil)
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
	out, err := listPartition(ctx, s, pkStrategies, "AUTHSTRATEGY#", func(it *strategyItem) portal.AuthStrategy { return it.AuthStrategy })
	if err != nil {
		return nil, err
	}
	portal.SortByCreated(out, func(st portal.AuthStrategy) (time.Time, string) { return st.CreatedAt, st.ID })
	if !slices.ContainsFunc(out, func(st portal.AuthStrategy) bool { return st.ID == portal.DefaultAuthStrategyID }) {
		out = slices.Insert(out, 0, portal.DefaultAuthStrategy())
	}
	return out, nil
}
