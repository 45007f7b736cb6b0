package site

// appsPages are My Apps: the developer's applications (/apps/) and one
// application (/apps/app/?id=<application id>). A static build cannot
// write a page per application, so one page reads the id from its query
// string: a link to it can be bookmarked and mailed, and unlike a hash the
// id reaches a server log only as an opaque id, never anything secret.
// Both are islands over /api/v3 (layout "apps"), gated like the account
// page: the script sends a visitor who is not logged in to /login/.
var appsPages = []struct{ name, url, page, title, desc string }{
	{"content/apps/_index.md", "/apps/", "list", "My Apps", "Your applications, their API keys and the APIs they are registered to."},
	{"content/apps/app.md", "/apps/app/", "app", "Application", ""},
}

func (w *Writer) writeAppsPages() int {
	for _, p := range appsPages {
		fm := FrontMatter{Title: p.title, Description: p.desc, Layout: "apps", Params: Params{Generated: true, AppsPage: p.page, NoIndex: true}}
		// A developer's own pages are no search results.
		fm.Sitemap = map[string]any{"disable": true}
		w.page(p.name, p.url, fm, nil)
	}
	return len(appsPages)
}
