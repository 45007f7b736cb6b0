package dynamostore

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/portal-dev/portal/functions/portal"
)

func (s *Store) getApp(ctx context.Context, id string) (portal.Application, error) {
	var it appItem
	err := s.getOne(ctx, appPK(id), skApp, &it, "application", id)
	return it.Application, err
}

// CreateApplication implements portal.AppStore. The developer's
// application counter goes up in the same transaction, on the condition
// that it stays within the limit: the limit holds under any concurrency.
func (s *Store) CreateApplication(ctx context.Context, a portal.Application, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(a.ID, &a.CreatedAt, &a.UpdatedAt)
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
	return explain(err,
		notFound("developer", a.DeveloperID),
		portal.Errorf(portal.EConflict, "application %s exists", a.ID),
		portal.Errorf(portal.EPrecondition, "developer %s already has %d applications, the most allowed", a.DeveloperID, portal.MaxApplicationsPerDeveloper),
		portal.Errorf(portal.EConflict, "application %s exists", a.ID),
	)
}

// ListTeamApplications implements portal.AppStore: the team's pointers,
// then each application.
func (s *Store) ListTeamApplications(ctx context.Context, teamID string) ([]portal.Application, error) {
	ptrs, err := listPartition(ctx, s, teamPK(teamID), "APP#", func(it *devAppItem) devAppItem { return *it })
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
	portal.SortByCreated(out, func(a portal.Application) (time.Time, string) { return a.CreatedAt, a.ID })
	return out, nil
}

// GetApplication implements portal.AppStore.
func (s *Store) GetApplication(ctx context.Context, id string) (portal.Application, error) {
	return s.getApp(ctx, id)
}

// ListApplications implements portal.AppStore: the developer's pointers,
// read consistently, then one page of applications.
func (s *Store) ListApplications(ctx context.Context, developerID string, p portal.Page) ([]portal.Application, int, error) {
	ptrs, err := listPartition(ctx, s, devPK(developerID), "APP#", func(it *devAppItem) devAppItem { return *it })
	if err != nil {
		return nil, 0, err
	}
	return pageByCreated(ctx, s, ptrs, p, func(d devAppItem) (time.Time, string) { return d.AppCreated, d.ApplicationID },
		func(id string) map[string]types.AttributeValue { return key(appPK(id), skApp) },
		func(it *appItem) (string, portal.Application) { return it.ID, it.Application })
}

// ListAllApplications implements portal.AppStore.
func (s *Store) ListAllApplications(ctx context.Context, p portal.Page) ([]portal.Application, int, error) {
	return listIndex(ctx, s, GSI1, AttrGSI1PK, gsiApps, p, func(it *appItem) portal.Application { return it.Application })
}

// UpdateApplication implements portal.AppStore.
func (s *Store) UpdateApplication(ctx context.Context, a portal.Application, ev portal.AuditEvent) (portal.Application, error) {
	ev = ev.Complete(a.ID)
	cur, err := s.getApp(ctx, a.ID)
	if err != nil {
		return portal.Application{}, err
	}
	next := cur
	next.Name, next.Description, next.AuthStrategyID = a.Name, a.Description, a.AuthStrategyID
	next.UpdatedAt, next.Version = ev.At, cur.Version+1
	if err := s.writeVersion(ctx, "application", a.ID, a.Version, cur.Version, newAppItem(next), ev); err != nil {
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
	return transactEach(ctx, s, appPK(id), "REG#", func(it regItem) []types.TransactWriteItem {
		return []types.TransactWriteItem{
			s.del(key(it.PK, it.SK), always),
			s.del(key(regPK(it.ID), skReg), always),
			s.del(key(apiPK(it.APIID), "REG#"+id), attrIs("RegistrationID", it.ID)),
		}
	})
}
