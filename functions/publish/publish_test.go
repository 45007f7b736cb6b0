package publish_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/boltstore/bolttest"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/publish"
)

const catalog = `{"portal":{"name":"acme"},"apis":[
 {"id":"a1","slug":"httpbin","name":"httpbin","version":"1","visibility":"public","auth_strategy":{"type":"key_auth","key_names":["apikey"]},"route_prefix":"/gateway/httpbin/","upstream_url":"httpbin"},
 {"id":"a2","slug":"other","name":"Other","version":"2","visibility":"private","auth_strategy":{"type":"key_auth","key_names":["X-API-Key"]},"route_host":"other.acme.com","route_prefix":"/v2/","auto_approve_registrations":true},
 {"id":"a3","slug":"events","name":"Events","version":"1","visibility":"public","route_prefix":"/gateway/events/"},
 {"id":"a4","slug":"open","name":"Open","version":"1","visibility":"public","auth_strategy":{"type":"none"},"route_prefix":"/gateway/open/"},
 {"id":"a5","slug":"query","name":"Query","version":"1","visibility":"public","auth_strategy":{"type":"key_auth","key_names":["api_key"],"key_in_query":true},"route_prefix":"/gateway/query/"}]}`

func TestPublish(t *testing.T) {
	t.Parallel()
	st := bolttest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	n, err := publish.Publish(ctx, st, []byte(catalog), now)
	if err != nil || n != 5 {
		t.Fatalf("Publish = %d, %v; want 5 changes", n, err)
	}
	n, err = publish.Publish(ctx, st, []byte(catalog), now.Add(time.Hour))
	if err != nil || n != 0 {
		t.Errorf("second Publish = %d, %v; want 0 changes", n, err)
	}
	a1, _ := st.GetAPI(ctx, "a1")
	a2, _ := st.GetAPI(ctx, "a2")
	a3, _ := st.GetAPI(ctx, "a3")
	if a1.AuthStrategyID != portal.DefaultAuthStrategyID {
		t.Errorf("a1 strategy = %q, want the default", a1.AuthStrategyID)
	}
	s2, err := st.GetAuthStrategy(ctx, a2.AuthStrategyID)
	if err != nil || len(s2.KeyNames) != 1 || s2.KeyNames[0] != "X-API-Key" || a2.AuthStrategyID == portal.DefaultAuthStrategyID {
		t.Errorf("a2 strategy = %+v (%v), want one with X-API-Key", s2, err)
	}
	if !a2.AutoApproveRegistrations || a2.Visibility != "private" || a2.RouteHost != "other.acme.com" || a2.RoutePrefix != "/v2/" {
		t.Errorf("a2 = %+v", a2)
	}
	// Without a strategy an API is not open: it gets the default key_auth.
	// Only an explicit "none" (auth: none in portal.yaml) opens it.
	if a3.AuthStrategyID != portal.DefaultAuthStrategyID {
		t.Errorf("a3 (no strategy in the catalog) strategy = %q, want the default %q", a3.AuthStrategyID, portal.DefaultAuthStrategyID)
	}
	a4, _ := st.GetAPI(ctx, "a4")
	if a4.AuthStrategyID != "" {
		t.Errorf("a4 (auth none) strategy = %q, want none", a4.AuthStrategyID)
	}
	a5, _ := st.GetAPI(ctx, "a5")
	s5, err := st.GetAuthStrategy(ctx, a5.AuthStrategyID)
	if err != nil || !s5.KeyInQuery || len(s5.KeyNames) != 1 || s5.KeyNames[0] != "api_key" {
		t.Errorf("a5 strategy = %+v (%v), want api_key, in the query too", s5, err)
	}
	// An API leaving the catalog leaves the store.
	smaller := strings.Replace(catalog, `,
 {"id":"a3","slug":"events","name":"Events","version":"1","visibility":"public","route_prefix":"/gateway/events/"}`, "", 1)
	if n, err := publish.Publish(ctx, st, []byte(smaller), now); err != nil || n != 1 {
		t.Errorf("Publish without a3 = %d, %v; want 1 change", n, err)
	}
	if _, err := st.GetAPI(ctx, "a3"); !portal.IsCode(err, portal.ENotFound) {
		t.Errorf("a3 after it left the catalog: %v", err)
	}
	for _, bad := range []string{`{`, `{"apis":[{"slug":"x"}]}`, `{"apis":[{"id":"x","slug":"x","auth_strategy":{"type":"oauth2"}}]}`} {
		if _, err := publish.Publish(ctx, st, []byte(bad), now); err == nil {
			t.Errorf("Publish(%q) = nil error", bad)
		}
	}
}
