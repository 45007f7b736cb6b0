// Package publish mirrors a build's catalog.json into the store, so that
// the functions know the published APIs, their visibility, auth strategy,
// gateway route and upstream. Publishing is idempotent. It reads the JSON
// itself: the functions never link the generator.
package publish

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/portal-dev/portal/functions/portal"
)

// Catalog is catalog.json as `portal build` writes it.
type Catalog struct {
	Portal struct {
		Name        string `json:"name"`
		DisplayName string `json:"display_name"`
	} `json:"portal"`
	APIs []struct {
		ID           string            `json:"id"`
		Slug         string            `json:"slug"`
		Name         string            `json:"name"`
		Version      string            `json:"version"`
		Description  string            `json:"description"`
		Visibility   string            `json:"visibility"`
		Labels       map[string]string `json:"labels"`
		SpecType     string            `json:"spec_type"`
		SpecVersion  string            `json:"spec_version"`
		AuthStrategy *struct {
			Type       string   `json:"type"` // key_auth or none
			KeyNames   []string `json:"key_names"`
			KeyInQuery bool     `json:"key_in_query"`
		} `json:"auth_strategy"`
		RouteHost   string `json:"route_host"`
		RoutePrefix string `json:"route_prefix"`
		UpstreamURL string `json:"upstream_url"`

		AutoApproveRegistrations bool `json:"auto_approve_registrations"`
	} `json:"apis"`
}

// Store is what publishing writes.
type Store interface {
	PublishAPIs(ctx context.Context, apis []portal.API, ev portal.AuditEvent) (int, error)
	CreateAuthStrategy(ctx context.Context, s portal.AuthStrategy, ev portal.AuditEvent) error
	GetAuthStrategy(ctx context.Context, id string) (portal.AuthStrategy, error)
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
	var c Catalog
	if err := json.Unmarshal(data, &c); err != nil {
		return 0, fmt.Errorf("publish: catalog.json: %w", err)
	}
	if err := EnsureStrategy(ctx, st, DefaultStrategy(now), now); err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	apis := make([]portal.API, 0, len(c.APIs))
	for i, a := range c.APIs {
		if a.ID == "" || a.Slug == "" {
			return 0, fmt.Errorf("publish: catalog.json: apis[%d] has no id or slug; rebuild with portal build", i)
		}
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
		case a.AuthStrategy != nil && a.AuthStrategy.Type == portal.AuthNone:
			api.AuthStrategyID = ""
		case a.AuthStrategy == nil:
			api.AuthStrategyID = portal.DefaultAuthStrategyID
		case a.AuthStrategy.Type == "key_auth":
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
		default:
			return 0, fmt.Errorf("publish: catalog.json: apis[%d] (%s) has auth strategy type %q; the portal knows key_auth and none", i, a.Slug, a.AuthStrategy.Type)
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
