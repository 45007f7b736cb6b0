// Package site writes the Hugo project that renders a portal: hugo.json with
// the user's folders mounted, one generated page per API, operation and
// schema, the theme, and the files to download. frontmatter.go is its
// contract with the theme.
package site

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/portal-dev/portal/generator/config"
	"github.com/portal-dev/portal/generator/render"
	"github.com/portal-dev/portal/generator/spec"
)

// API is one loaded API with its portal.yaml entry.
type API struct {
	Config config.API
	Spec   *spec.API
	Raw    []byte // the original description, offered for download
	// KeyNames are the headers gateways take a portal key from (the auth
	// strategy's); nil for auth: none.
	KeyNames []string
}

// Private reports whether the API's pages are for the developers who may
// read it: they are built like the others, and gated where the site is
// served.
func (a *API) Private() bool { return a.Config.Visibility == config.Private }

// Options describe one site.
type Options struct {
	Config *config.Config
	APIs   []*API
	// Theme holds themes/<name>/...; it is copied into the project.
	Theme fs.FS
	// LiveReload adds the reload script that `portal serve` answers.
	LiveReload bool
	// ExtraServers are offered first in try-it, per API slug (the local
	// upstream under `portal serve`).
	ExtraServers map[string][]spec.Server
	// GatewayOrigin is the origin of a gateway serving every API with an
	// upstream at /gateway/{slug}/ (portal serve's); code samples call it.
	GatewayOrigin string
}

// Stats counts what was written.
type Stats struct {
	APIs       int
	Operations int
	Schemas    int
	Pages      int // generated pages
	Changed    []string
	// Search holds the search entries of the APIs' own pages, in API order.
	Search []SearchDoc
}

// Writer writes a project into one folder and remembers what it wrote, so
// that a rewrite touches only files whose bytes changed. Write writes it
// whole; Begin, WriteAPI and End write it one API at a time, so that the
// caller can release each API's model before loading the next.
type Writer struct {
	Dir string

	mu      sync.Mutex
	written map[string]bool
	changed []string
	frags   map[string]func() map[string]string // output path → its fragments, rendered on demand
	adapter map[string][]adapterPage            // API slug → its pages
	err     error                               // the first write error
	opts    Options
	st      Stats
	sem     chan struct{}
	// spills hold the fragments of this write's APIs; old, the previous
	// writes', which the previous Fragments may still read.
	spills, old []*spill
}

// Write writes the whole project and removes generated files that are no
// longer produced. It returns the files whose content changed.
func (w *Writer) Write(o Options) (Stats, error) {
	if err := w.Begin(o); err != nil {
		return Stats{}, err
	}
	for i, a := range o.APIs {
		if err := w.WriteAPI(a, i); err != nil {
			return Stats{}, err
		}
	}
	return w.End()
}

// Begin starts a write: the theme, hugo.json and the pages of no API.
// o.APIs name every API of the portal; only their Config is read.
func (w *Writer) Begin(o Options) error {
	w.written = map[string]bool{}
	w.frags = map[string]func() map[string]string{}
	w.adapter = map[string][]adapterPage{}
	w.changed = nil
	w.err = nil
	w.opts = o
	w.st = Stats{}
	w.sem = make(chan struct{}, runtime.GOMAXPROCS(0))
	w.old, w.spills = append(w.old, w.spills...), nil

	if err := w.writeTheme(o.Theme); err != nil {
		return err
	}
	if err := w.writeConfig(o); err != nil {
		return err
	}
	userHome := o.Config.Content != "" && exists(filepath.Join(o.Config.Content, "_index.md"))
	if !userHome {
		w.page("content/_index.md", "/", FrontMatter{Title: o.Config.DisplayName, Description: o.Config.Description, Layout: "home", Params: Params{Generated: true}}, nil)
	}
	w.page("content/apis/_index.md", "/apis/", FrontMatter{Title: "APIs", Description: "Every API published on " + o.Config.DisplayName + ".", Layout: "catalog", Params: Params{Generated: true}}, nil)
	w.st.Pages += 2
	if o.Config.Accounts() {
		w.st.Pages += w.writeAccountPages()
		w.st.Pages += w.writeAppsPages()
	}
	w.st.Pages += w.writeAdminPages()
	return w.err
}

// WriteAPI writes the pages of the API at index in the portal.yaml order,
// with their fragments rendered and spilled to disk: once it returns, the
// writer holds nothing of a.Spec.
func (w *Writer) WriteAPI(a *API, index int) error {
	w.st.APIs++
	w.st.Operations += len(a.Spec.Operations) + len(a.Spec.Webhooks)
	w.st.Schemas += len(a.Spec.Schemas)
	sp, err := newSpill(spillDir(w.Dir), a.Config.Slug)
	if err != nil {
		return fmt.Errorf("spill fragments of %s: %w", a.Config.Slug, err)
	}
	w.spills = append(w.spills, sp)
	var wg sync.WaitGroup
	n, docs := w.writeAPI(a, w.opts, index, sp, w.sem, &wg)
	wg.Wait()
	w.st.Pages += n
	w.st.Search = append(w.st.Search, docs...)
	if w.err != nil {
		return w.err
	}
	return sp.err
}

// End finishes a write: the content adapter's data, and the removal of
// generated files that are no longer produced. It returns what was written,
// with the files whose content changed.
func (w *Writer) End() (Stats, error) {
	if err := w.writeAdapter(); err != nil {
		return Stats{}, err
	}
	if err := w.prune(); err != nil {
		return Stats{}, err
	}
	sort.Strings(w.changed)
	w.st.Changed = w.changed
	// The previous write's fragments are no longer anyone's.
	for _, s := range w.old {
		s.close()
	}
	w.old = nil
	return w.st, nil
}

// Err reports the first error in reading spilled fragments back.
func (w *Writer) Err() error {
	for _, s := range w.spills {
		s.mu.Lock()
		err := s.err
		s.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// Close removes the spilled fragments; Fragments reads nothing after it.
func (w *Writer) Close() error {
	var errs []error
	for _, s := range append(w.old, w.spills...) {
		errs = append(errs, s.close())
	}
	w.old, w.spills = nil, nil
	return errors.Join(errs...)
}

// writeAPI writes one API's pages; operations render in parallel. It
// returns the number of pages and the API's search entries.
func (w *Writer) writeAPI(a *API, o Options, index int, sp *spill, sem chan struct{}, wg *sync.WaitGroup) (int, []SearchDoc) {
	slug := a.Config.Slug
	base := "/apis/" + slug + "/"
	r := render.New(a.Spec, render.Options{Base: base, ExtraServers: o.ExtraServers[slug], Samples: samplesTarget(a, o.GatewayOrigin)})
	api := apiParams(a, base)
	dir := "content/apis/" + slug + "/"
	pages := 0

	title := api.Title
	w.page(dir+"_index.md", base, FrontMatter{
		Title: title, Description: api.Summary, Layout: "api", Weight: index + 1,
		Params: Params{Generated: true, API: api},
	}, with(r.Overview(), "nav", r.Nav(base)))
	async := a.Spec.Kind == spec.KindAsyncAPI
	pages++
	// indexPage writes the index page of the API's folder (reference/,
	// schemas/, …): its generated index and the sidebar's nav.
	indexPage := func(folder, name, desc, layout, index string) {
		url := base + folder
		w.page(dir+folder+"_index.md", url, FrontMatter{
			Title: name, Description: desc, Layout: layout,
			Params: Params{Generated: true, API: api},
		}, map[string]string{"index": index, "nav": r.Nav(url)})
		pages++
	}
	if async {
		indexPage("channels/", "Channels", title+" channels, with their operations and messages.", "reference", r.ChannelsIndex())
		indexPage("operations/", "Operations", title+" operations by channel.", "reference", r.ReferenceIndex())
		indexPage("messages/", "Messages", title+" messages.", "schemas", r.MessagesIndex())
	} else {
		indexPage("reference/", "API reference", title+" operations by tag.", "reference", r.ReferenceIndex())
	}
	if len(a.Spec.Webhooks) > 0 {
		indexPage("webhooks/", "Webhooks", title+" webhooks.", "reference", r.ReferenceIndex())
	}
	if !async || len(a.Spec.Schemas) > 0 {
		indexPage("schemas/", "Schemas", title+" data models.", "schemas", r.SchemasIndex())
	}
	if a.Config.Docs != "" && !exists(filepath.Join(a.Config.Docs, "_index.md")) {
		w.page(dir+"docs/_index.md", base+"docs/", FrontMatter{Title: "Documentation", Description: title + " guides."}, nil)
		pages++
	}
	if len(a.Raw) > 0 {
		w.file("static"+api.Download, a.Raw)
	}

	ops := make([]*spec.Operation, 0, len(a.Spec.Operations)+len(a.Spec.Webhooks))
	ops = append(ops, a.Spec.Operations...)
	ops = append(ops, a.Spec.Webhooks...)
	inChunks(ops, sp, sem, wg, func(c *batch, op *spec.Operation, i int) {
		folder := "reference/"
		switch {
		case op.Webhook:
			folder = "webhooks/"
		case op.Action != "":
			folder = "operations/"
		}
		desc := op.Summary
		if desc == "" {
			desc = render.Summary(op.Description, 160)
		}
		url := r.OperationURL(op)
		navKey, navHTML, mark := r.SharedNav(url)
		w.lazyPage(dir+folder+op.Slug+".md", url, FrontMatter{
			Title: opTitle(op), Description: desc, Layout: "operation", Weight: i + 1,
			Params: Params{
				Generated: true, API: api,
				Method: op.Method, Path: op.Path, OperationID: op.ID, Tags: op.Tags,
				Deprecated: op.Deprecated, Webhook: op.Webhook,
			},
		}, append(r.OperationParts(op), "nav"), c.add(sp, r.Operation(op), navKey, navHTML, mark).frags)
	})
	inChunks(a.Spec.Schemas, sp, sem, wg, func(c *batch, ns *spec.NamedSchema, i int) {
		desc := render.Summary(ns.Schema.Description, 160)
		if desc == "" {
			desc = "The " + ns.Name + " schema of " + title + "."
		}
		url := r.SchemaURL(ns)
		navKey, navHTML, mark := r.SharedNav(url)
		w.lazyPage(dir+"schemas/"+ns.Slug+".md", url, FrontMatter{
			Title: ns.Name, Description: desc, Layout: "schema", Weight: i + 1,
			Params: Params{Generated: true, API: api, SchemaName: ns.Name},
		}, append(r.SchemaParts(ns), "nav"), c.add(sp, r.Schema(ns), navKey, navHTML, mark).frags)
	})
	inChunks(a.Spec.Messages, sp, sem, wg, func(c *batch, m *spec.Message, i int) {
		desc := m.Summary
		if desc == "" {
			desc = render.Summary(m.Description, 160)
		}
		if desc == "" {
			desc = "The " + render.MessageTitle(m) + " message of " + title + "."
		}
		url := r.MessageURL(m)
		navKey, navHTML, mark := r.SharedNav(url)
		w.lazyPage(dir+"messages/"+m.Slug+".md", url, FrontMatter{
			Title: render.MessageTitle(m), Description: desc, Layout: "message", Weight: i + 1,
			Params: Params{Generated: true, API: api, MessageName: m.Name, ContentType: m.ContentType, Deprecated: m.Deprecated},
		}, append(r.MessageParts(m), "nav"), c.add(sp, r.Message(m), navKey, navHTML, mark).frags)
	})
	return pages + len(ops) + len(a.Spec.Schemas) + len(a.Spec.Messages), searchDocs(a, r, base)
}

// inChunks calls each on every item with its index, in chunks of 64 on
// goroutines that sem bounds and wg counts; a chunk's pages share one batch
// of fragments, flushed to sp when the chunk is done.
func inChunks[T any](items []T, sp *spill, sem chan struct{}, wg *sync.WaitGroup, each func(c *batch, item T, i int)) {
	const chunk = 64
	for start := 0; start < len(items); start += chunk {
		end := min(start+chunk, len(items))
		wg.Add(1)
		sem <- struct{}{}
		go func(part []T, first int) {
			defer func() { <-sem; wg.Done() }()
			var c batch
			defer sp.flush(&c)
			for i, item := range part {
				each(&c, item, first+i)
			}
		}(items[start:end], start)
	}
}

// adapterPage is one entry of a content adapter data file: the page's
// front matter plus its kind and path (relative to content/apis).
type adapterPage struct {
	Kind string `json:"kind"`
	Path string `json:"path"`
	FrontMatter
}

// adapterTemplate creates every API's pages from assets/portal/pages/*.json.
const adapterTemplate = `{{- /* Generated by portal: one page per API, operation and schema. */ -}}
{{- range resources.Match "portal/pages/*.json" }}
  {{- range (. | transform.Unmarshal) }}
    {{- $.AddPage . }}
  {{- end }}
{{- end }}
`

func (w *Writer) writeAdapter() error {
	w.file("content/apis/_content.gotmpl", []byte(adapterTemplate))
	for slug, pages := range w.adapter {
		sort.Slice(pages, func(i, j int) bool { return pages[i].Path < pages[j].Path })
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(pages); err != nil {
			return fmt.Errorf("encode pages of %s: %w", slug, err)
		}
		w.file("assets/portal/pages/"+slug+".json", b.Bytes())
	}
	return w.err
}

// with adds one fragment to a set.
func with(frags map[string]string, key, html string) map[string]string {
	frags[key] = html
	return frags
}

// Fragments returns, by output path ("apis/x/reference/op/index.html"),
// the functions that render each generated page's fragments.
func (w *Writer) Fragments() map[string]func() map[string]string { return w.frags }

// keyAuth reports whether the API declares an API key sent in a header.
func keyAuth(api *spec.API) bool {
	for _, sc := range api.SecuritySchemes {
		if sc.Type == "apiKey" && sc.In == "header" {
			return true
		}
	}
	return false
}

func opTitle(op *spec.Operation) string {
	if op.Summary != "" {
		return op.Summary
	}
	if op.ID != "" {
		return op.ID
	}
	return op.Method + " " + op.Path
}

func apiParams(a *API, base string) *APIParams {
	s := a.Spec
	title := a.Config.Title
	if title == "" {
		title = s.Title
	}
	if title == "" {
		title = a.Config.Slug
	}
	version := a.Config.Version
	if version == "" {
		version = s.Version
	}
	summary, derived := apiSummary(a, 200)
	labels := make([]string, 0, len(a.Config.Labels))
	for k, v := range a.Config.Labels {
		labels = append(labels, k+": "+v)
	}
	sort.Strings(labels)
	return &APIParams{
		Private:     a.Private(),
		Slug:        a.Config.Slug,
		Title:       title,
		Version:     version,
		Kind:        string(s.Kind),
		SpecVersion: s.SpecVersion,
		Labels:      labels,
		Summary:     summary,

		SummaryIsDescription: derived,
		Download:             base + path.Base(filepath.ToSlash(a.Config.Spec)),
		Operations:           len(s.Operations) + len(s.Webhooks),
		Schemas:              len(s.Schemas),
		HasDocs:              a.Config.Docs != "",
		KeyAuth:              keyAuth(s),
		URL:                  base,
		Protocols:            render.Protocols(s),
		Channels:             len(s.Channels),
		Messages:             len(s.Messages),
	}
}

// hugoConfig is hugo.json.
type hugoConfig struct {
	Title                  string         `json:"title"`
	BaseURL                string         `json:"baseURL"`
	Theme                  string         `json:"theme"`
	Locale                 string         `json:"locale"`
	EnableRobotsTXT        bool           `json:"enableRobotsTXT"`
	DisableKinds           []string       `json:"disableKinds"`
	Params                 map[string]any `json:"params"`
	Module                 map[string]any `json:"module"`
	Minify                 map[string]any `json:"minify"`
	Markup                 map[string]any `json:"markup"`
	Sitemap                map[string]any `json:"sitemap"`
	Build                  map[string]any `json:"build"`
	Caches                 map[string]any `json:"caches"`
	TimeZone               string         `json:"timeZone"`
	DisablePathToLower     bool           `json:"disablePathToLower"`
	EnableGitInfo          bool           `json:"enableGitInfo"`
	CapitalizeListTitles   bool           `json:"capitalizeListTitles"`
	PluralizeListTitles    bool           `json:"pluralizeListTitles"`
	RemovePathAccents      bool           `json:"removePathAccents"`
	SummaryLength          int            `json:"summaryLength"`
	DefaultContentLanguage string         `json:"defaultContentLanguage"`
}

func (w *Writer) writeConfig(o Options) error {
	c := o.Config
	mounts := []map[string]any{
		{"source": "content", "target": "content"},
		{"source": "static", "target": "static"},
		{"source": "assets", "target": "assets"},
	}
	if c.Content != "" {
		var exclude []string
		for _, a := range o.APIs {
			if a.Config.Docs != "" {
				if rel, err := filepath.Rel(c.Content, a.Config.Docs); err == nil && !strings.HasPrefix(rel, "..") {
					exclude = append(exclude, "! "+filepath.ToSlash(rel)+"/**")
				}
			}
			// Generated pages own /apis/{slug}/ outside docs.
			exclude = append(exclude, "! apis/"+a.Config.Slug+"/_index.md")
		}
		exclude = append(exclude, "! apis/_index.md")
		mounts = append(mounts, map[string]any{"source": c.Content, "target": "content", "files": exclude})
	}
	for _, a := range o.APIs {
		if a.Config.Docs != "" {
			mounts = append(mounts, map[string]any{"source": a.Config.Docs, "target": "content/apis/" + a.Config.Slug + "/docs"})
		}
	}
	if c.Layouts != "" {
		mounts = append(mounts, map[string]any{"source": c.Layouts, "target": "layouts"})
	}
	if c.Static != "" {
		mounts = append(mounts, map[string]any{"source": c.Static, "target": "static"})
	}

	branding := map[string]any{}
	for key, p := range map[string]string{"logo": c.Branding.Logo, "favicon": c.Branding.Favicon, "header_image": c.Branding.HeaderImage} {
		if p == "" {
			continue
		}
		if strings.HasPrefix(p, "https://") {
			branding[key] = p
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("branding %s: %w", key, err)
		}
		url := "/branding/" + filepath.Base(p)
		w.file("static"+url, data)
		branding[key] = url
	}
	if c.Branding.PrimaryColor != "" {
		branding["primary_color"] = c.Branding.PrimaryColor
	}
	nav := make([]map[string]string, 0, len(c.Nav))
	for _, n := range c.Nav {
		nav = append(nav, map[string]string{"name": n.Name, "url": n.URL})
	}
	baseURL := c.URL
	if baseURL == "" {
		baseURL = "/"
	} else if !strings.HasSuffix(baseURL, "/") {
		baseURL += "/"
	}
	hc := hugoConfig{
		Title:           c.DisplayName,
		BaseURL:         baseURL,
		Theme:           "portal",
		Locale:          "en",
		EnableRobotsTXT: true,
		DisableKinds:    []string{"taxonomy", "term", "rss"},
		Params: map[string]any{
			"name":         c.Name,
			"description":  c.Description,
			"search_index": "/search-index.json",
			// func/visibility.html's default, as the gate's.
			"default_page_visibility": c.DefaultPageVisibility,
			// authentication_enabled: false leaves out the account pages
			// and the header's account link.
			"authentication": c.Accounts(),
			"livereload":     o.LiveReload,
			"branding":       branding,
			"nav":            nav,
		},
		Module: map[string]any{"mounts": mounts},
		Minify: map[string]any{"minifyOutput": false},
		Markup: map[string]any{
			"goldmark": map[string]any{
				"renderer": map[string]any{"unsafe": false},
				"parser":   map[string]any{"attribute": map[string]any{"block": true}},
			},
			"highlight":       map[string]any{"codeFences": true},
			"tableOfContents": map[string]any{"startLevel": 2, "endLevel": 3},
		},
		Sitemap:                map[string]any{"changeFreq": "weekly", "filename": "sitemap.xml"},
		Build:                  map[string]any{"noJSConfigInAssets": true},
		Caches:                 map[string]any{"getresource": map[string]any{"dir": ":cacheDir/:project", "maxAge": 0}},
		TimeZone:               "UTC",
		SummaryLength:          40,
		DefaultContentLanguage: "en",
		PluralizeListTitles:    false,
		CapitalizeListTitles:   false,
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(hc); err != nil {
		return fmt.Errorf("hugo config: %w", err)
	}
	w.file("hugo.json", b.Bytes())
	return nil
}

func (w *Writer) writeTheme(theme fs.FS) error {
	if theme == nil {
		return errors.New("site: no theme")
	}
	return fs.WalkDir(theme, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		data, err := fs.ReadFile(theme, p)
		if err != nil {
			return err
		}
		w.file("themes/"+p, data)
		return nil
	})
}

// fragmentOrder is the order in which fragment names are listed.
var fragmentOrder = []string{"description", "channel", "servers", "security", "info", "index", "parameters", "messages", "reply", "request", "responses", "callbacks", "samples", "tryit", "headers", "payload", "schema", "example", "examples", "bindings", "used_by", "nav"}

// page writes a Markdown page with JSON front matter, and keeps its
// non-empty fragments for Splice under the page's output path.
func (w *Writer) page(name, url string, fm FrontMatter, frags map[string]string) {
	if len(frags) > 0 {
		kept := make(map[string]string, len(frags))
		var names []string
		for _, k := range fragmentOrder {
			if v := frags[k]; v != "" {
				names = append(names, k)
				kept[k] = v
			}
		}
		w.lazyPage(name, url, fm, names, func() map[string]string { return kept })
		return
	}
	w.lazyPage(name, url, fm, nil, nil)
}

// lazyPage writes a page whose fragments (names) render only when Hugo
// writes the page: the thousands of operation and schema pages of a big
// description are never all held in memory at once.
func (w *Writer) lazyPage(name, url string, fm FrontMatter, names []string, frags func() map[string]string) {
	if frags != nil {
		fm.Params.Fragments = names
		out := strings.TrimPrefix(url, "/") + "index.html"
		w.mu.Lock()
		w.frags[out] = frags
		w.mu.Unlock()
	}
	if rest, ok := strings.CutPrefix(name, "content/apis/"); ok && fm.Params.API != nil {
		// An API's pages reach Hugo through the content adapter: one data
		// file per API instead of one file per operation.
		kind, p := "page", strings.TrimSuffix(rest, ".md")
		if dir, ok := strings.CutSuffix(rest, "/_index.md"); ok {
			kind, p = "section", dir
		}
		w.mu.Lock()
		w.adapter[fm.Params.API.Slug] = append(w.adapter[fm.Params.API.Slug], adapterPage{Kind: kind, Path: p, FrontMatter: fm})
		w.mu.Unlock()
		return
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fm); err != nil {
		// FrontMatter holds only strings, numbers and maps of strings.
		panic(fmt.Sprintf("site: encode front matter of %s: %v", name, err))
	}
	w.file(name, b.Bytes())
}

// file writes data to name (slash-separated, relative to Dir) unless the
// file already holds exactly those bytes.
func (w *Writer) file(name string, data []byte) {
	p := filepath.Join(w.Dir, filepath.FromSlash(name))
	w.mu.Lock()
	w.written[p] = true
	w.mu.Unlock()
	if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, data) {
		return
	}
	err := os.MkdirAll(filepath.Dir(p), 0o755)
	if err == nil {
		err = os.WriteFile(p, data, 0o644)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.changed = append(w.changed, p)
	if err != nil && w.err == nil {
		w.err = fmt.Errorf("write %s: %w", name, err)
	}
}

// prune removes files under content/, static/ and themes/ that this write
// did not produce.
func (w *Writer) prune() error {
	for _, top := range []string{"content", "static", "themes", "assets"} {
		root := filepath.Join(w.Dir, top)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if d.IsDir() || w.written[p] {
				return nil
			}
			w.changed = append(w.changed, p)
			return os.Remove(p)
		})
		if err != nil {
			return fmt.Errorf("prune %s: %w", top, err)
		}
		// Keep the folders Hugo mounts even when empty.
		if err := os.MkdirAll(root, 0o755); err != nil {
			return err
		}
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// apiSummary is an API's one-paragraph summary, cut to max runes: the
// description in portal.yaml, else info.summary, else the description's
// first paragraph (derived is then true).
func apiSummary(a *API, max int) (summary string, derived bool) {
	if a.Config.Description != "" {
		return a.Config.Description, false
	}
	if a.Spec.Summary != "" {
		return a.Spec.Summary, false
	}
	s := render.Summary(a.Spec.Description, max)
	return s, s != ""
}

// samplesTarget says where an API's code samples send requests: the
// gateway's route for an HTTP API it routes (one with an upstream_url) on
// portal serve's gateway, or on the gateway host portal.yaml gives; else
// the description's own server. Through a gateway that checks keys, the
// portal key goes in the first header the auth strategy names.
func samplesTarget(a *API, gatewayOrigin string) render.Samples {
	s := render.Samples{PortalKeys: len(a.KeyNames) > 0}
	if a.Config.UpstreamURL == "" || a.Spec.Kind == spec.KindAsyncAPI {
		return s
	}
	switch {
	case gatewayOrigin != "":
		s.BaseURL = strings.TrimSuffix(gatewayOrigin, "/") + strings.TrimSuffix(config.GatewayPath(a.Config.Slug), "/")
	case a.Config.Gateway.Host != "":
		s.BaseURL = "https://" + a.Config.Gateway.Host + strings.TrimSuffix(a.Config.Gateway.Path, "/")
	default:
		return s
	}
	if len(a.KeyNames) > 0 {
		s.KeyHeader = a.KeyNames[0]
	}
	return s
}
