// Package publish mirrors a build's catalog.json into the store, so that
// the functions know the published APIs, their visibility, auth strategy,
// gateway route and upstream. Publishing is idempotent. The catalog's
// shape is functions/catalog, the contract shared with the generator.
package publish

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/portal-dev/portal/functions/catalog"
	"github.com/portal-dev/portal/functions/portal"
)

// Store is what publishing writes.
type Store interface {
	PublishAPIs(ctx context.Context, apis []portal.API, ev portal.AuditEvent) (int, error)
	CreateAuthStrategy(ctx context.Context, s portal.AuthStrategy, ev portal.AuditEvent) error
	GetAuthStrategy(ctx context.Context, id string) (portal.AuthStrategy, error)
	GetSettings(ctx context.Context) (portal.Settings, error)
	PutSettings(ctx context.Context, s portal.Settings, ev portal.AuditEvent) (portal.Settings, error)
}

// DefaultStrategy is the key_auth strategy that exists by default, as in
// Konnect: keys in the apikey header.
func DefaultStrategy(now time.Time) portal.AuthStrategy {
	s := portal.DefaultAuthStrategy()
	s.CreatedAt = now.UTC()
	return s
}

// EnsureStrategy creates s unless a strategy with its id exists.
func EnsureStrategy(ctx context.Context, st Store, s portal.AuthStrategy, now time.Time) error {
	if _, err := st.GetAuthStrategy(ctx, s.ID); err == nil {
		return nil
	} else if !portal.IsCode(err, portal.ENotFound) {
		return err
	}
	ev := portal.AuditEvent{ID: "publish-" + s.ID + "-" + fmt.Sprint(now.UnixNano()), At: now.UTC(), Actor: "publish", Action: "auth_strategy.created", Subject: s.ID}
	err := st.CreateAuthStrategy(ctx, s, ev)
	if portal.IsCode(err, portal.EConflict) {
		return nil // created meanwhile
	}
	return err
}

// Publish mirrors the catalog into the store and returns how many APIs
// changed. APIs whose description declares an apiKey header get a key_auth
// strategy with those header names (the default one for ["apikey"]).
func Publish(ctx context.Context, st Store, data []byte, now time.Time) (int, error) {
	c, err := catalog.Decode(data) // validates
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	return publish(ctx, st, c, now)
}

// PublishCatalog is Publish for a catalog in hand (`portal serve` has it
// from the build).
func PublishCatalog(ctx context.Context, st Store, c catalog.Catalog, now time.Time) (int, error) {
	if err := c.Validate(); err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	return publish(ctx, st, c, now)
}

// publish mirrors a validated catalog.
func publish(ctx context.Context, st Store, c catalog.Catalog, now time.Time) (int, error) {
	if err := EnsureStrategy(ctx, st, DefaultStrategy(now), now); err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	if err := syncAuthentication(ctx, st, c.Portal.AuthenticationEnabled == nil || *c.Portal.AuthenticationEnabled, now); err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	apis := make([]portal.API, 0, len(c.APIs))
	for _, a := range c.APIs {
		api := portal.API{
			ID: a.ID, Slug: a.Slug, Name: a.Name, Version: a.Version, Description: a.Description,
			Visibility: a.Visibility, Labels: a.Labels, SpecType: a.SpecType, SpecVersion: a.SpecVersion,
			RouteHost: a.RouteHost, RoutePrefix: a.RoutePrefix, UpstreamURL: a.UpstreamURL, PublishedAt: now.UTC(),
			AutoApproveRegistrations: a.AutoApproveRegistrations,
		}
		// An API is open only when the catalog says so ("none", from
		// `auth: none` in portal.yaml); without a strategy it gets the
		// default key_auth, so that nothing is open by accident.
		switch {
		case a.AuthStrategy == nil:
			api.AuthStrategyID = portal.DefaultAuthStrategyID
		case a.AuthStrategy.Type == catalog.AuthNone:
			api.AuthStrategyID = ""
		default: // key_auth, as Validate checked
			names, inQuery := a.AuthStrategy.KeyNames, a.AuthStrategy.KeyInQuery
			if !inQuery && (len(names) == 0 || len(names) == 1 && strings.EqualFold(names[0], "apikey")) {
				api.AuthStrategyID = portal.DefaultAuthStrategyID
			} else {
				s := strategyFor(names, inQuery, now)
				if err := EnsureStrategy(ctx, st, s, now); err != nil {
					return 0, fmt.Errorf("publish: %w", err)
				}
				api.AuthStrategyID = s.ID
			}
		}
		apis = append(apis, api)
	}
	ev := portal.AuditEvent{ID: fmt.Sprintf("publish-%d", now.UnixNano()), At: now.UTC(), Actor: "publish", Action: "catalog.published", Subject: "catalog", Detail: map[string]string{"apis": fmt.Sprint(len(apis))}}
	n, err := st.PublishAPIs(ctx, apis, ev)
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	return n, nil
}

// strategyFor names a key_auth strategy after its key names (and whether
// the query may carry them), so that the same names always map to the same
// strategy.
func strategyFor(names []string, inQuery bool, now time.Time) portal.AuthStrategy {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	id := strings.ToLower(strings.Join(sorted, ","))
	name := "key-auth (" + strings.Join(names, ", ") + ")"
	if inQuery {
		id += "?query"
		name = "key-auth (" + strings.Join(names, ", ") + "; header or query)"
	}
	h := sha1.Sum([]byte(id))
	return portal.AuthStrategy{
		ID: "key-auth-" + hex.EncodeToString(h[:4]), Name: name,
		DisplayName: portal.DefaultAuthStrategy().DisplayName, Type: "key_auth", KeyNames: names, KeyInQuery: inQuery, CreatedAt: now.UTC(),
	}
}

// syncAuthentication makes the stored authentication_enabled follow
// portal.yaml's (the catalog's): git is the source of truth for it, as for
// visibility. Settings not stored yet are seeded by the functions at their
// first request (with authentication on).
func syncAuthentication(ctx context.Context, st Store, on bool, now time.Time) error {
	for range 5 {
		s, err := st.GetSettings(ctx)
		if portal.IsCode(err, portal.ENotFound) || err == nil && s.AuthenticationEnabled == on {
			return nil
		}
		if err != nil {
			return err
		}
		s.AuthenticationEnabled = on
		_, err = st.PutSettings(ctx, s, portal.AuditEvent{At: now.UTC(), Actor: "publish", Action: "portal.updated",
			Detail: map[string]string{"authentication_enabled": strconv.FormatBool(on)}})
		if !portal.IsCode(err, portal.EConflict) {
			return err
		}
	}
	return portal.Errorf(portal.EConflict, "portal settings kept changing while publishing; publish again")
}
