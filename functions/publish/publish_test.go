package publish_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/boltstore"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/publish"
)

const catalog = `{"portal":{"name":"acme"},"apis":[
 {"id":"a1","slug":"httpbin","name":"httpbin","version":"1","visibility":"public","auth_strategy":{"type":"key_auth","key_names":["apikey"]},"route_prefix":"/gateway/httpbin/","upstream_url":"httpbin"},
 {"id":"a2","slug":"other","name":"Other","version":"2","visibility":"private","auth_strategy":{"type":"key_auth","key_names":["X-API-Key"]},"route_prefix":"/gateway/other/","auto_approve_registrations":true},
 {"id":"a3","slug":"events","name":"Events","version":"1","visibility":"public","route_prefix":"/gateway/events/"}]}`

func TestPublish(t *testing.T) {
	t.Parallel()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	n, err := publish.Publish(ctx, st, []byte(catalog), now)
	if err != nil || n != 3 {
		t.Fatalf("Publish = %d, %v; want 3 changes", n, err)
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
	if !a2.AutoApproveRegistrations || a2.Visibility != "private" || a3.AuthStrategyID != "" {
		t.Errorf("a2 = %+v, a3 = %+v", a2, a3)
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
	for _, bad := range []string{`{`, `{"apis":[{"slug":"x"}]}`} {
		if _, err := publish.Publish(ctx, st, []byte(bad), now); err == nil {
			t.Errorf("Publish(%q) = nil error", bad)
		}
	}
}
