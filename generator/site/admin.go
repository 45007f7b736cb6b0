package site

// adminPages are the admin console's pages (layout "admin"): static shells
// of a script island (js/admin.js) over the management API (/v3), for an
// admin user's session. Nothing private is in them; they are public in
// every portal, noindex, and not in the sitemap or the search index.
//
// The signed-out pages (signedOut) — login, an invitation's acceptance, a
// forgotten password — have no nav and no "who is logged in"; the layout
// and the script read that from the page's admin_signed_out param.
var adminPages = []struct {
	slug, title string
	signedOut   bool
}{
	{"login", "Admin login", true},
	{"accept", "Accept the invitation", true},
	{"forgot-password", "Forgot your admin password", true},
	{"reset-password", "Choose a new admin password", true},
	{"", "Overview", false},
	{"developers", "Developers", false},
	{"registrations", "Registrations", false},
	{"applications", "Applications", false},
	{"teams", "Teams", false},
	{"apis", "APIs", false},
	{"settings", "Settings", false},
	{"auth-strategies", "Auth strategies", false},
	{"audit", "Audit log", false},
	{"admins", "Admin users", false},
}

func (w *Writer) writeAdminPages() int {
	for i, p := range adminPages {
		url, file := "/admin/", "content/admin/_index.md"
		page := p.slug
		if p.slug != "" {
			url, file = "/admin/"+p.slug+"/", "content/admin/"+p.slug+".md"
		} else {
			page = "overview"
		}
		// The weight orders the console's nav (layouts/admin.html), which
		// lists these pages.
		fm := FrontMatter{Title: p.title, Layout: "admin", Weight: i + 1, Params: Params{Generated: true, AdminPage: page, AdminSignedOut: p.signedOut}}
		fm.Sitemap = map[string]any{"disable": true}
		w.page(file, url, fm, nil)
	}
	return len(adminPages)
}
