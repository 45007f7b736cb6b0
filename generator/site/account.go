package site

import "github.com/portal-dev/portal/generator/headers"

// accountPages are the pages of a developer's account, each a form island
// over the functions' /api/v3 (layout "account"). Mail links point at
// /verify-email/ and /reset-password/.
var accountPages = []struct{ slug, title, desc string }{
	{"signup", "Create your account", "Sign up to get API keys for your applications."},
	{"login", "Log in", "Log in to manage your applications and keys."},
	{"verify-email", "Confirm your email address", ""},
	{"forgot-password", "Forgot your password?", "Get a link to choose a new password."},
	{"reset-password", "Choose a new password", ""},
	{"account", "Your account", ""},
}

func (w *Writer) writeAccountPages() int {
	for _, p := range accountPages {
		fm := FrontMatter{Title: p.title, Description: p.desc, Layout: "account", Params: Params{Generated: true, AccountPage: p.slug}}
		if headers.NoReferrer("/" + p.slug + "/") {
			// Its link carries a token: the page says so itself too, so
			// that it holds on a host that sends no headers.
			fm.Params.Referrer = "no-referrer"
		}
		// Pages reached from mail or a session are no search results.
		if p.slug != "signup" && p.slug != "login" {
			fm.Sitemap = map[string]any{"disable": true}
			fm.Params.NoIndex = p.slug == "account"
		}
		w.page("content/"+p.slug+".md", "/"+p.slug+"/", fm, nil)
	}
	return len(accountPages)
}
