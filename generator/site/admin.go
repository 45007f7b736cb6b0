package site

// adminPages are the admin console's pages (layout "admin"): static shells
// of a script island (js/admin.js) over the management API (/v3), for an
// admin user's session. Nothing private is in them; they are public in
// every portal, noindex, and not in the sitemap or the search index.
var adminPages = []struct{ slug, title string }{
	{"login", "Admin login"},
	{"accept", "Accept the invitation"},
	{"", "Overview"},
	{"developers", "Developers"},
	{"registrations", "Registrations"},
	{"applications", "Applications"},
	{"teams", "Teams"},
	{"apis", "APIs"},
	{"settings", "Settings"},
	{"auth-strategies", "Auth strategies"},
	{"audit", "Audit log"},
	{"admins", "Admin users"},
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
		fm := FrontMatter{Title: p.title, Layout: "admin", Weight: i + 1, Params: Params{Generated: true, AdminPage: page}}
		fm.Sitemap = map[string]any{"disable": true}
		w.page(file, url, fm, nil)
	}
	return len(adminPages)
}
