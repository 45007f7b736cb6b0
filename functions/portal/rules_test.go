package portal_test

import (
	"slices"
	"testing"

	"github.com/portal-dev/portal/functions/portal"
)

func TestAccessRules(t *testing.T) {
	t.Parallel()
	pub := portal.API{ID: "pub", Visibility: "public"}
	priv := portal.API{ID: "priv", Visibility: "private"}
	viewer := []portal.RoleAssignment{{RoleName: portal.RoleAPIViewer, EntityID: "priv"}}
	consumer := []portal.RoleAssignment{{RoleName: portal.RoleAPIConsumer, EntityID: "pub"}}
	off, on := portal.Settings{}, portal.Settings{RBACEnabled: true}
	for name, c := range map[string]struct {
		got, want bool
	}{
		"public, RBAC off, no role: view":       {portal.MayView(off, nil, pub), true},
		"private, RBAC off, no role: view":      {portal.MayView(off, nil, priv), true},
		"private, RBAC on, no role: view":       {portal.MayView(on, nil, priv), false},
		"private, RBAC on, other role: view":    {portal.MayView(on, consumer, priv), false},
		"private, viewer role: view":            {portal.MayView(on, viewer, priv), true},
		"public, RBAC on, no role: view":        {portal.MayView(on, nil, pub), true},
		"RBAC off: consume":                     {portal.MayConsume(off, nil, "pub"), true},
		"RBAC on, consumer: consume":            {portal.MayConsume(on, consumer, "pub"), true},
		"RBAC on, viewer only: consume":         {portal.MayConsume(on, viewer, "priv"), false},
		"RBAC on, consumer of another: consume": {portal.MayConsume(on, consumer, "priv"), false},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", name, c.got, c.want)
		}
	}
	for name, c := range map[string]struct {
		d         portal.Developer
		s         portal.Settings
		roles     []portal.RoleAssignment
		wantSlugs []string
		wantPages bool
	}{
		"approved, RBAC off":      {portal.Developer{Status: portal.StatusApproved}, off, nil, []string{"p"}, true},
		"approved, RBAC on":       {portal.Developer{Status: portal.StatusApproved}, on, nil, []string{}, true},
		"approved, RBAC on, role": {portal.Developer{Status: portal.StatusApproved}, on, viewer, []string{"p"}, true},
		"pending":                 {portal.Developer{Status: portal.StatusPending}, off, viewer, []string{}, false},
		"revoked":                 {portal.Developer{Status: portal.StatusRevoked}, off, viewer, []string{}, false},
	} {
		priv := priv
		priv.Slug = "p"
		slugs, pages := portal.Readable(c.s, c.d, c.roles, []portal.API{pub, priv})
		if !slices.Equal(slugs, c.wantSlugs) || pages != c.wantPages {
			t.Errorf("Readable(%s) = %v, %v; want %v, %v", name, slugs, pages, c.wantSlugs, c.wantPages)
		}
	}
	if got := portal.InitialRegistrationStatus(off, pub); got != portal.RegistrationPending {
		t.Errorf("InitialRegistrationStatus(default) = %s, want pending", got)
	}
	if got := portal.InitialRegistrationStatus(off, portal.API{AutoApproveRegistrations: true}); got != portal.RegistrationApproved {
		t.Errorf("InitialRegistrationStatus(auto-approving API) = %s, want approved", got)
	}
	if got := portal.InitialRegistrationStatus(portal.Settings{AutoApproveApplications: true}, pub); got != portal.RegistrationApproved {
		t.Errorf("InitialRegistrationStatus(auto-approving portal) = %s, want approved", got)
	}
	if err := portal.CheckCatalog([]portal.API{{ID: "a", Slug: "x"}, {ID: "b", Slug: "x"}}); !portal.IsCode(err, portal.EInvalid) {
		t.Errorf("CheckCatalog(repeated slug) = %v, want invalid", err)
	}
}
