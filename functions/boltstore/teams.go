package boltstore

import (
	"context"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/portal-dev/portal/functions/portal"
)

func readTeam(tx *bolt.Tx, id string) (portal.Team, error) {
	return getOne(tx, bTeams, "team", id, teamRec.team)
}

func putTeam(tx *bolt.Tx, t portal.Team) error {
	return put(tx.Bucket(bTeams), []byte(t.ID), teamRec{Team: t, Version: t.Version})
}

// CreateTeam implements portal.Store.
func (s *Store) CreateTeam(_ context.Context, t portal.Team, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(t.ID, &t.CreatedAt, &t.UpdatedAt)
	t.CreatedAt, t.UpdatedAt, t.Version = t.CreatedAt.UTC(), t.UpdatedAt.UTC(), 1
	return s.update(func(tx *bolt.Tx) error {
		err := claimUnique(tx, bTeams, "team", t.ID, bTeamNames, []byte(portal.TeamNameKey(t.Name)),
			portal.Errorf(portal.EConflict, "a team named %q exists", t.Name))
		if err != nil {
			return err
		}
		if err := tx.Bucket(bTeamOrder).Put(key(stamp(t.CreatedAt), t.ID), nil); err != nil {
			return err
		}
		if err := putTeam(tx, t); err != nil {
			return err
		}
		return s.audit(tx, ev, t.ID)
	})
}

// GetTeam implements portal.Store.
func (s *Store) GetTeam(_ context.Context, id string) (portal.Team, error) {
	return viewOne(s, readTeam, id)
}

// ListTeams implements portal.Store.
func (s *Store) ListTeams(_ context.Context, p portal.Page) ([]portal.Team, int, error) {
	var out []portal.Team
	var total int
	err := s.view(func(tx *bolt.Tx) error {
		all, err := suffixes(tx.Bucket(bTeamOrder), nil)
		if err != nil {
			return err
		}
		out, total, err = pageOf(tx, all, p, readTeam)
		return err
	})
	return out, total, err
}

// UpdateTeam implements portal.Store.
func (s *Store) UpdateTeam(_ context.Context, t portal.Team, ev portal.AuditEvent) (portal.Team, error) {
	return updateVersion(s, "team", t.ID, t.Version, ev.Complete(t.ID), readTeam,
		func(t *portal.Team) (*time.Time, *int64) { return &t.UpdatedAt, &t.Version },
		func(tx *bolt.Tx, cur portal.Team, next *portal.Team) error {
			if oldKey, newKey := portal.TeamNameKey(cur.Name), portal.TeamNameKey(t.Name); oldKey != newKey {
				names := tx.Bucket(bTeamNames)
				if names.Get([]byte(newKey)) != nil {
					return portal.Errorf(portal.EConflict, "a team named %q exists", t.Name)
				}
				if err := names.Delete([]byte(oldKey)); err != nil {
					return err
				}
				if err := names.Put([]byte(newKey), []byte(t.ID)); err != nil {
					return err
				}
			}
			next.Name, next.Description, next.CanOwnApplications = t.Name, t.Description, t.CanOwnApplications
			return putTeam(tx, *next)
		})
}

// DeleteTeam implements portal.Store.
func (s *Store) DeleteTeam(_ context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	return s.update(func(tx *bolt.Tx) error {
		r, err := readTeam(tx, id)
		if err != nil {
			return err
		}
		if err := deleteAll(tx, keyIn{bTeams, []byte(id)}, keyIn{bTeamNames, []byte(portal.TeamNameKey(r.Name))}, keyIn{bTeamOrder, key(stamp(r.CreatedAt), id)}); err != nil {
			return err
		}
		if err := eachSuffix(tx.Bucket(bMembers), key(id, ""), func(d string) error { return deleteMembership(tx, id, d) }); err != nil {
			return err
		}
		all := func([]byte, []byte) (bool, error) { return true, nil }
		if err := deleteWhere(tx.Bucket(bRoleKeys), key(id, ""), all); err != nil {
			return err
		}
		if err := deleteWhere(tx.Bucket(bRoles), key(id, ""), all); err != nil {
			return err
		}
		return s.audit(tx, ev, id)
	})
}

// Members.

// AddTeamMember implements portal.Store.
func (s *Store) AddTeamMember(_ context.Context, teamID, developerID string, ev portal.AuditEvent) error {
	ev = ev.Complete(teamID)
	return s.update(func(tx *bolt.Tx) error {
		if _, err := readTeam(tx, teamID); err != nil {
			return err
		}
		d, err := readDev(tx, developerID)
		if err != nil {
			return err
		}
		k := key(teamID, developerID)
		if tx.Bucket(bMembers).Get(k) != nil {
			return portal.Errorf(portal.EConflict, "developer %s is already a member of team %s", developerID, teamID)
		}
		if err := tx.Bucket(bMembers).Put(k, []byte(stamp(d.CreatedAt))); err != nil {
			return err
		}
		if err := tx.Bucket(bDevTeams).Put(key(developerID, teamID), nil); err != nil {
			return err
		}
		return s.audit(tx, ev, teamID)
	})
}

// RemoveTeamMember implements portal.Store.
func (s *Store) RemoveTeamMember(_ context.Context, teamID, developerID string, ev portal.AuditEvent) error {
	ev = ev.Complete(teamID)
	return s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bMembers).Get(key(teamID, developerID)) == nil {
			return portal.Errorf(portal.ENotFound, "developer %s is not a member of team %s", developerID, teamID)
		}
		if err := deleteMembership(tx, teamID, developerID); err != nil {
			return err
		}
		return s.audit(tx, ev, teamID)
	})
}

func deleteMembership(tx *bolt.Tx, teamID, developerID string) error {
	if err := tx.Bucket(bMembers).Delete(key(teamID, developerID)); err != nil {
		return err
	}
	return tx.Bucket(bDevTeams).Delete(key(developerID, teamID))
}

// ListTeamMembers implements portal.Store: members in the order the
// developers were created.
func (s *Store) ListTeamMembers(_ context.Context, teamID string, p portal.Page) ([]portal.Developer, int, error) {
	var out []portal.Developer
	var total int
	err := s.view(func(tx *bolt.Tx) error {
		if _, err := readTeam(tx, teamID); err != nil {
			return err
		}
		type member struct{ created, id string }
		var ms []member
		if err := forEach(tx.Bucket(bMembers), key(teamID, ""), func(k, v []byte) error {
			ms = append(ms, member{string(v), suffix(k)})
			return nil
		}); err != nil {
			return err
		}
		slices.SortFunc(ms, func(a, b member) int {
			if c := strings.Compare(a.created, b.created); c != 0 {
				return c
			}
			return strings.Compare(a.id, b.id)
		})
		ids := make([]string, len(ms))
		for i, m := range ms {
			ids[i] = m.id
		}
		var err error
		out, total, err = pageOf(tx, ids, p, readDev)
		return err
	})
	return out, total, err
}

// ListDeveloperTeams implements portal.Store.
func (s *Store) ListDeveloperTeams(_ context.Context, developerID string) ([]portal.Team, error) {
	out, err := listIndexed(s, bDevTeams, key(developerID, ""), keySuffix, readTeam)
	portal.SortByCreated(out, func(t portal.Team) (time.Time, string) { return t.CreatedAt, t.ID })
	return out, err
}

// Roles.

// AssignRole implements portal.Store.
func (s *Store) AssignRole(_ context.Context, r portal.RoleAssignment, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(r.TeamID, &r.CreatedAt, nil)
	r.CreatedAt = r.CreatedAt.UTC()
	return s.update(func(tx *bolt.Tx) error {
		if _, err := readTeam(tx, r.TeamID); err != nil {
			return err
		}
		rk := key(r.TeamID, r.RoleName, r.EntityID)
		if tx.Bucket(bRoleKeys).Get(rk) != nil {
			return portal.Errorf(portal.EConflict, "team %s already has the role %s on %s", r.TeamID, r.RoleName, r.EntityID)
		}
		k := key(r.TeamID, r.ID)
		if tx.Bucket(bRoles).Get(k) != nil {
			return portal.Errorf(portal.EConflict, "role assignment %s exists", r.ID)
		}
		if err := tx.Bucket(bRoleKeys).Put(rk, []byte(r.ID)); err != nil {
			return err
		}
		if err := put(tx.Bucket(bRoles), k, roleRec{RoleAssignment: r, TeamID: r.TeamID}); err != nil {
			return err
		}
		return s.audit(tx, ev, r.TeamID)
	})
}

// RemoveRole implements portal.Store.
func (s *Store) RemoveRole(_ context.Context, teamID, assignmentID string, ev portal.AuditEvent) error {
	ev = ev.Complete(teamID)
	return s.update(func(tx *bolt.Tx) error {
		var r roleRec
		k := key(teamID, assignmentID)
		if err := lookup(tx.Bucket(bRoles), k, &r, "role assignment %s not found", assignmentID); err != nil {
			return err
		}
		if err := tx.Bucket(bRoles).Delete(k); err != nil {
			return err
		}
		if err := tx.Bucket(bRoleKeys).Delete(key(teamID, r.RoleName, r.EntityID)); err != nil {
			return err
		}
		return s.audit(tx, ev, teamID)
	})
}

// ListTeamRoles implements portal.Store.
func (s *Store) ListTeamRoles(_ context.Context, teamID string) ([]portal.RoleAssignment, error) {
	var out []portal.RoleAssignment
	err := s.view(func(tx *bolt.Tx) error {
		if _, err := readTeam(tx, teamID); err != nil {
			return err
		}
		return eachValue(tx.Bucket(bRoles), key(teamID, ""), func(r roleRec) { out = append(out, r.role()) })
	})
	portal.SortByCreated(out, roleCreated)
	return out, err
}

// ListDeveloperRoles implements portal.AppStore.
func (s *Store) ListDeveloperRoles(_ context.Context, developerID string) ([]portal.RoleAssignment, error) {
	var out []portal.RoleAssignment
	err := s.view(func(tx *bolt.Tx) error {
		return forEach(tx.Bucket(bDevTeams), key(developerID, ""), func(k, _ []byte) error {
			return eachValue(tx.Bucket(bRoles), key(suffix(k), ""), func(r roleRec) { out = append(out, r.role()) })
		})
	})
	portal.SortByCreated(out, roleCreated)
	return out, err
}

func roleCreated(r portal.RoleAssignment) (time.Time, string) { return r.CreatedAt, r.ID }
