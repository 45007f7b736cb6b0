package dynamostore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/portal-dev/portal/functions/portal"
)

func (s *Store) getTeam(ctx context.Context, id string) (portal.Team, error) {
	var it teamItem
	err := s.getOne(ctx, teamPK(id), skTeam, &it, "team", id)
	return it.Team, err
}

// CreateTeam implements portal.Store.
func (s *Store) CreateTeam(ctx context.Context, t portal.Team, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(t.ID, &t.CreatedAt, &t.UpdatedAt)
	t.Version = 1
	return s.createUnique(ctx, newTeamItem(t), teamNameItem{PK: teamNamePK(t.Name), SK: "TEAMNAME", TeamID: t.ID}, ev,
		portal.Errorf(portal.EConflict, "team %s exists", t.ID),
		portal.Errorf(portal.EConflict, "a team named %q exists", t.Name))
}

// GetTeam implements portal.Store.
func (s *Store) GetTeam(ctx context.Context, id string) (portal.Team, error) {
	return s.getTeam(ctx, id)
}

// ListTeams implements portal.Store.
func (s *Store) ListTeams(ctx context.Context, p portal.Page) ([]portal.Team, int, error) {
	return listIndex(ctx, s, GSI1, AttrGSI1PK, gsiTeams, p, func(it *teamItem) portal.Team { return it.Team })
}

// UpdateTeam implements portal.Store. A rename moves the name item in the
// same transaction.
func (s *Store) UpdateTeam(ctx context.Context, t portal.Team, ev portal.AuditEvent) (portal.Team, error) {
	ev = ev.Complete(t.ID)
	cur, err := s.getTeam(ctx, t.ID)
	if err != nil {
		return portal.Team{}, err
	}
	next := cur
	next.Name, next.Description, next.CanOwnApplications, next.UpdatedAt, next.Version = t.Name, t.Description, t.CanOwnApplications, ev.At, cur.Version+1
	var rename []types.TransactWriteItem
	renamed := portal.TeamNameKey(cur.Name) != portal.TeamNameKey(next.Name)
	if renamed {
		rename = []types.TransactWriteItem{
			s.put(teamNameItem{PK: teamNamePK(next.Name), SK: "TEAMNAME", TeamID: t.ID}, notExists),
			s.del(key(teamNamePK(cur.Name), "TEAMNAME"), attrIs("TeamID", t.ID)),
		}
	}
	err = s.writeVersion(ctx, "team", t.ID, t.Version, cur.Version, newTeamItem(next), ev, rename...)
	if bad, _ := failed(err, 2); bad && renamed {
		return portal.Team{}, portal.Errorf(portal.EConflict, "a team named %q exists", t.Name)
	}
	if err != nil {
		return portal.Team{}, err
	}
	return next, nil
}

// DeleteTeam implements portal.Store. As with developers: one transaction
// removes the team and frees its name; memberships and roles, which can
// no longer be added, are cleaned up after.
func (s *Store) DeleteTeam(ctx context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	err := versioned("team", id, func() error {
		cur, err := s.getTeam(ctx, id)
		if err != nil {
			return err
		}
		return s.transact(ctx,
			s.del(key(teamPK(id), skTeam), versionIs(cur.Version)),
			s.del(key(teamNamePK(cur.Name), "TEAMNAME"), attrIs("TeamID", id)),
			s.audit(ev),
		)
	})
	if err != nil {
		return err
	}
	ks, err := s.partitionKeys(ctx, teamPK(id), "")
	if err != nil {
		return err
	}
	for _, k := range ks {
		if dev, ok := strings.CutPrefix(k.SK, "MEMBER#"); ok {
			if err := s.deleteItem(ctx, devPK(dev), "TEAM#"+id); err != nil {
				return err
			}
		}
		if err := s.deleteItem(ctx, k.PK, k.SK); err != nil {
			return err
		}
	}
	return nil
}

// Members.

// AddTeamMember implements portal.Store.
func (s *Store) AddTeamMember(ctx context.Context, teamID, developerID string, ev portal.AuditEvent) error {
	ev = ev.Complete(teamID)
	if _, err := s.getTeam(ctx, teamID); err != nil {
		return err
	}
	d, err := s.getDev(ctx, developerID)
	if err != nil {
		return err
	}
	err = s.transact(ctx,
		s.check(key(teamPK(teamID), skTeam), exists),
		s.check(key(devPK(developerID), skDev), exists),
		s.put(memberItem{PK: teamPK(teamID), SK: "MEMBER#" + developerID, DeveloperID: developerID, DeveloperCreated: d.CreatedAt}, notExists),
		s.put(devTeamItem{PK: devPK(developerID), SK: "TEAM#" + teamID, TeamID: teamID}, notExists),
		s.audit(ev),
	)
	return explain(err,
		notFound("team", teamID),
		notFound("developer", developerID),
		portal.Errorf(portal.EConflict, "developer %s is already a member of team %s", developerID, teamID),
		portal.Errorf(portal.EConflict, "developer %s is already a member of team %s", developerID, teamID),
	)
}

// RemoveTeamMember implements portal.Store.
func (s *Store) RemoveTeamMember(ctx context.Context, teamID, developerID string, ev portal.AuditEvent) error {
	ev = ev.Complete(teamID)
	err := s.transact(ctx,
		s.del(key(teamPK(teamID), "MEMBER#"+developerID), exists),
		s.del(key(devPK(developerID), "TEAM#"+teamID), exists),
		s.audit(ev),
	)
	return explain(err,
		portal.Errorf(portal.ENotFound, "developer %s is not a member of team %s", developerID, teamID),
		portal.Errorf(portal.ENotFound, "developer %s is not a member of team %s", developerID, teamID),
	)
}

// ListTeamMembers implements portal.Store: members in the order the
// developers were created (the membership carries that time).
func (s *Store) ListTeamMembers(ctx context.Context, teamID string, p portal.Page) ([]portal.Developer, int, error) {
	if _, err := s.getTeam(ctx, teamID); err != nil {
		return nil, 0, err
	}
	ms, err := listPartition(ctx, s, teamPK(teamID), "MEMBER#", func(it *memberItem) memberItem { return *it })
	if err != nil {
		return nil, 0, err
	}
	return pageByCreated(ctx, s, ms, p, func(m memberItem) (time.Time, string) { return m.DeveloperCreated, m.DeveloperID },
		func(id string) map[string]types.AttributeValue { return key(devPK(id), skDev) },
		func(it *devItem) (string, portal.Developer) { return it.ID, it.Developer })
}

// ListDeveloperTeams implements portal.Store.
func (s *Store) ListDeveloperTeams(ctx context.Context, developerID string) ([]portal.Team, error) {
	items, err := s.partition(ctx, devPK(developerID), "TEAM#")
	if err != nil {
		return nil, err
	}
	var out []portal.Team
	for chunk := range slices.Chunk(items, 100) {
		ts, err := follow(ctx, s, chunk, func(it *devTeamItem) map[string]types.AttributeValue { return key(teamPK(it.TeamID), skTeam) },
			func(it *teamItem) portal.Team { return it.Team })
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	portal.SortByCreated(out, func(t portal.Team) (time.Time, string) { return t.CreatedAt, t.ID })
	return out, nil
}

// Roles.

// AssignRole implements portal.Store.
func (s *Store) AssignRole(ctx context.Context, r portal.RoleAssignment, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(r.TeamID, &r.CreatedAt, nil)
	err := s.transact(ctx,
		s.check(key(teamPK(r.TeamID), skTeam), exists),
		s.put(roleKeyItem{PK: teamPK(r.TeamID), SK: roleKeySK(r.RoleName, r.EntityID), AssignmentID: r.ID}, notExists),
		s.put(roleItem{PK: teamPK(r.TeamID), SK: "ROLE#" + r.ID, RoleAssignment: r}, notExists),
		s.audit(ev),
	)
	return explain(err,
		notFound("team", r.TeamID),
		portal.Errorf(portal.EConflict, "team %s already has the role %s on %s", r.TeamID, r.RoleName, r.EntityID),
		portal.Errorf(portal.EConflict, "role assignment %s exists", r.ID),
	)
}

// RemoveRole implements portal.Store.
func (s *Store) RemoveRole(ctx context.Context, teamID, assignmentID string, ev portal.AuditEvent) error {
	ev = ev.Complete(teamID)
	var it roleItem
	ok, err := s.getItem(ctx, teamPK(teamID), "ROLE#"+assignmentID, &it)
	if err != nil {
		return err
	}
	gone := notFound("role assignment", assignmentID)
	if !ok {
		return gone
	}
	err = s.transact(ctx,
		s.del(key(teamPK(teamID), "ROLE#"+assignmentID), exists),
		s.del(key(teamPK(teamID), roleKeySK(it.RoleName, it.EntityID)), attrIs("AssignmentID", assignmentID)),
		s.audit(ev),
	)
	if bad, _ := failed(err, 0); bad {
		return gone
	}
	return err
}

// ListTeamRoles implements portal.Store.
func (s *Store) ListTeamRoles(ctx context.Context, teamID string) ([]portal.RoleAssignment, error) {
	if _, err := s.getTeam(ctx, teamID); err != nil {
		return nil, err
	}
	out, err := listPartition(ctx, s, teamPK(teamID), "ROLE#", func(it *roleItem) portal.RoleAssignment { return it.RoleAssignment })
	if err != nil {
		return nil, err
	}
	portal.SortByCreated(out, func(r portal.RoleAssignment) (time.Time, string) { return r.CreatedAt, r.ID })
	return out, nil
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
		roles, err := decodeAll(rs, func(it *roleItem) portal.RoleAssignment { return it.RoleAssignment })
		if err != nil {
			return nil, err
		}
		out = append(out, roles...)
	}
	portal.SortByCreated(out, func(r portal.RoleAssignment) (time.Time, string) { return r.CreatedAt, r.ID })
	return out, nil
}
