package dynamostore

import (
	"context"
	"time"

	"github.com/portal-dev/portal/functions/portal"
)

// CreateRegistration implements portal.AppStore: the registration's key
// is the application and the API, so there is one per pair.
func (s *Store) CreateRegistration(ctx context.Context, r portal.Registration, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(r.ID, &r.CreatedAt, &r.UpdatedAt)
	r.Version = 1
	err := s.transact(ctx,
		s.check(key(appPK(r.ApplicationID), skApp), exists),
		s.check(key(pkAPIs, apiSK(r.APIID)), exists),
		s.put(newRegItem(r), notExists),
		s.put(regIDItem{PK: regPK(r.ID), SK: skReg, ApplicationID: r.ApplicationID, APIID: r.APIID}, notExists),
		s.put(apiRegItem{PK: apiPK(r.APIID), SK: "REG#" + r.ApplicationID, ApplicationID: r.ApplicationID, RegistrationID: r.ID}, always),
		s.audit(ev),
	)
	return explain(err,
		notFound("application", r.ApplicationID),
		notFound("API", r.APIID),
		portal.Errorf(portal.EConflict, "application %s is already registered to API %s", r.ApplicationID, r.APIID),
		portal.Errorf(portal.EConflict, "registration %s exists", r.ID),
	)
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
	out, err := listPartition(ctx, s, appPK(applicationID), "REG#", func(it *regItem) portal.Registration { return it.Registration })
	if err != nil {
		return nil, err
	}
	portal.SortByCreated(out, func(r portal.Registration) (time.Time, string) { return r.CreatedAt, r.ID })
	return out, nil
}

// ListAllRegistrations implements portal.AppStore.
func (s *Store) ListAllRegistrations(ctx context.Context, status portal.RegistrationStatus, p portal.Page) ([]portal.Registration, int, error) {
	index, attr, pk := GSI1, AttrGSI1PK, gsiRegs
	if status != "" {
		index, attr, pk = GSI2, AttrGSI2PK, regStatusGSI(status)
	}
	return listIndex(ctx, s, index, attr, pk, p, func(it *regItem) portal.Registration { return it.Registration })
}

// SetRegistrationStatus implements portal.AppStore (setStatus).
func (s *Store) SetRegistrationStatus(ctx context.Context, id string, from []portal.RegistrationStatus, to portal.RegistrationStatus, ev portal.AuditEvent) (portal.Registration, error) {
	return setStatus(ctx, s, "registration", id, from, to, ev, s.getReg,
		func(r *portal.Registration) (*portal.RegistrationStatus, *time.Time, *int64) {
			return &r.Status, &r.UpdatedAt, &r.Version
		},
		func(r portal.Registration) any { return newRegItem(r) })
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
