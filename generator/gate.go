package generator

import (
	"bytes"
	"cmp"
	"errors"
	"html"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/portal-dev/portal/functions/catalog"
	"github.com/portal-dev/portal/generator/config"
	"github.com/portal-dev/portal/generator/hugo"
	"github.com/portal-dev/portal/generator/site"
)

// Where the build puts what only the gate may hand out, and the public
// files the login page of an internal portal needs.
const (
	privateDir = "/_portal/private/" // the private pages' search index
	assetsDir  = "/_portal/assets/"  // the theme's fingerprinted CSS and JS
)

// accountPages are public in every portal: without them nobody could log
// in. The admin console (/admin/) is too: its pages are static shells, and
// everything in them comes from the management API, for an admin session.
var accountPages = []string{"/login/", "/signup/", "/verify-email/", "/forgot-password/", "/reset-password/", "/admin/"}

// gateRules says which paths of the built site need what, as few rules as
// decide every page alike: the root by default_page_visibility (with the
// account pages, the theme's assets, the 404 page and the branding images
// public in an internal portal), each API's folder by its visibility (its
// docs go with it), and each user page whose visibility differs from what
// the rules above it already decide.
func gateRules(cfg *config.Config, pages []hugo.Page) []catalog.GateRule {
	var cands []catalog.GateRule
	add := func(p, need string) {
		if key, ok := catalog.Normalize(p); ok {
			cands = append(cands, catalog.GateRule{Prefix: key, Need: need})
		}
	}
	pageNeed := func(visibility string) string {
		if visibility == config.Private {
			return catalog.NeedPages
		}
		return catalog.NeedNothing
	}
	root := pageNeed(cfg.DefaultPageVisibility)
	add("/", root)
	add(privateDir, catalog.NeedPages)
	if root != catalog.NeedNothing {
		public := append(slices.Clone(accountPages), assetsDir, "/404.html", "/robots.txt")
		for _, f := range []string{cfg.Branding.Logo, cfg.Branding.Favicon} {
			if u, err := url.Parse(f); f != "" && err == nil && u.Host == "" && u.Scheme == "" {
				public = append(public, path.Join("/", u.Path))
			}
		}
		for _, p := range public {
			add(p, catalog.NeedNothing)
		}
	}
	apiDirs := make([]string, 0, len(cfg.APIs))
	for _, a := range cfg.APIs {
		dir := "/apis/" + a.Slug + "/"
		apiDirs = append(apiDirs, dir)
		need := catalog.NeedNothing
		if a.Visibility == config.Private {
			need = catalog.NeedAPIPrefix + a.Slug
		}
		add(dir, need)
	}
	for _, p := range pages {
		if p.Generated || p.Kind == "404" || p.Kind == "robotstxt" || p.Kind == "sitemap" ||
			slices.ContainsFunc(apiDirs, func(d string) bool { return strings.HasPrefix(p.URL, d) }) {
			continue
		}
		v := p.Visibility
		if v == "" {
			v = cfg.DefaultPageVisibility
		}
		add(p.URL, pageNeed(v))
	}
	return minimalRules(cands)
}

// minimalRules keeps, shortest prefix first, the candidates whose need
// differs from what the rules kept so far decide for their prefix. Of two
// candidates for one prefix the private one wins.
func minimalRules(cands []catalog.GateRule) []catalog.GateRule {
	slices.SortStableFunc(cands, func(a, b catalog.GateRule) int {
		if c := cmp.Compare(len(a.Prefix), len(b.Prefix)); c != 0 {
			return c
		}
		return cmp.Compare(a.Prefix, b.Prefix)
	})
	var merged []catalog.GateRule
	for _, c := range cands {
		if n := len(merged); n > 0 && merged[n-1].Prefix == c.Prefix {
			if c.Need != catalog.NeedNothing {
				merged[n-1].Need = c.Need
			}
			continue
		}
		merged = append(merged, c)
	}
	var kept []catalog.GateRule
	for _, c := range merged {
		if need, _ := catalog.Need(kept, c.Prefix); need != c.Need {
			kept = append(kept, c)
		}
	}
	slices.SortFunc(kept, func(a, b catalog.GateRule) int { return cmp.Compare(a.Prefix, b.Prefix) })
	return kept
}

// searchIndex is the public search index's file name in the output.
const searchIndex = "search-index.json"

// writeSearch writes the search index split by the gate: the public
// entries to /search-index.json, a private API's to
// /apis/{slug}/search-index.json and the private pages' to
// /_portal/private/search-index.json, each behind the rule of the pages it
// points to. Ids are unique across the files, so that the search box can
// merge those the visitor may read.
func (b *Builder) writeSearch(docs []site.SearchDoc, rules []catalog.GateRule, keep map[string]bool) error {
	// Both always exist, so that the search box never asks for a file
	// that is not there.
	private := strings.TrimPrefix(privateDir, "/") + searchIndex
	files := map[string][]site.SearchDoc{searchIndex: {}, private: {}}
	for i := range docs {
		docs[i].ID = i
		file := searchIndex
		switch need, _ := catalog.Need(rules, docs[i].URL); {
		case need == catalog.NeedPages:
			file = private
		case strings.HasPrefix(need, catalog.NeedAPIPrefix):
			file = "apis/" + strings.TrimPrefix(need, catalog.NeedAPIPrefix) + "/" + searchIndex
		}
		files[file] = append(files[file], docs[i])
	}
	for file, d := range files {
		keep[file] = true
		if err := writeJSON(filepath.Join(b.opts.Out, filepath.FromSlash(file)), d, false); err != nil {
			return err
		}
	}
	return nil
}

var sitemapURL = regexp.MustCompile(`(?s)\s*<url>\s*<loc>([^<]*)</loc>.*?</url>`)

// filterSitemap drops from Hugo's sitemap every URL a gate guards: the
// sitemap is public.
func filterSitemap(file string, rules []catalog.GateRule) error {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	out := sitemapURL.ReplaceAllFunc(data, func(m []byte) []byte {
		loc := sitemapURL.FindSubmatch(m)[1]
		u, err := url.Parse(html.UnescapeString(string(loc)))
		if err != nil {
			return nil
		}
		if need, ok := catalog.Need(rules, u.Path); !ok || need != catalog.NeedNothing {
			return nil
		}
		return m
	})
	if bytes.Equal(out, data) {
		return nil
	}
	return os.WriteFile(file, out, 0o644)
}
