// Package generator builds a portal: it loads portal.yaml and every API
// description, writes the Hugo project (package site), renders it with Hugo
// (package hugo), and writes the search index and catalog.json.
package generator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/portal-dev/portal/generator/asyncapi"
	"github.com/portal-dev/portal/generator/config"
	"github.com/portal-dev/portal/generator/headers"
	"github.com/portal-dev/portal/generator/hugo"
	"github.com/portal-dev/portal/generator/openapi"
	"github.com/portal-dev/portal/generator/site"
	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/themes"
)

// Options configure a Builder.
type Options struct {
	Config  string // path of portal.yaml
	Out     string // output folder (the static site); default <Data>/public, the builder's own
	WorkDir string // the generated Hugo project; default: <Data>/site
	Data    string // data folder; default: .portal next to portal.yaml
	Catalog string // catalog.json path; default: <Data>/catalog.json

	Progress io.Writer // progress lines; nil discards them
	HugoLog  io.Writer // Hugo's warnings; nil: Progress

	// Watch keeps the Hugo site between builds for fast rebuilds.
	Watch      bool
	LiveReload bool
	// ExtraServers gives, for each build's portal.yaml, the servers offered
	// first in try-it, per API slug: an API published by an edit of
	// portal.yaml gets its own on the next build.
	ExtraServers func(*config.Config) map[string][]spec.Server
	// GatewayOrigin is the origin of a gateway that serves every API with
	// an upstream at /gateway/{slug}/ (portal serve's own): code samples
	// call it. Empty: an API's gateway host from portal.yaml, if any.
	GatewayOrigin string
	// Theme replaces the embedded themes (tests).
	Theme fs.FS
}

// Summary reports a build.
type Summary struct {
	APIs       int
	Operations int
	Schemas    int
	Pages      int   // HTML files written
	Bytes      int64 // size of the output folder
	Duration   time.Duration
	Warnings   []spec.Problem
	// CSP is the Content-Security-Policy the site must be served with:
	// it allows the inline scripts of its pages by hash.
	CSP string
	// Catalog is what the build wrote to catalog.json, for publishing
	// without reading it back.
	Catalog Catalog
}

// ProblemsError is returned when descriptions have errors.
type ProblemsError struct{ Problems []spec.Problem }

func (e *ProblemsError) Error() string {
	n := 0
	for _, p := range e.Problems {
		if p.Severity == spec.Error {
			n++
		}
	}
	return fmt.Sprintf("%d error(s) in API descriptions; run portal validate for the full list", n)
}

// Errors are the problems of error severity (without the warnings).
func (e *ProblemsError) Errors() []spec.Problem {
	var out []spec.Problem
	for _, p := range e.Problems {
		if p.Severity == spec.Error {
			out = append(out, p)
		}
	}
	return out
}

// Builder builds one portal, once or repeatedly.
type Builder struct {
	opts   Options
	writer *site.Writer
	hugo   *hugo.Site
	hugoCf []byte // hugo.json the current Hugo site was loaded with
	cache  map[string]cachedSpec
	// summaries outlive the parsed descriptions, for catalog.json.
	summaries map[string]apiSummary
	// What the last site write produced, reused while only user files change.
	frags     map[string]func() map[string]string
	docs      []site.SearchDoc
	lastStats site.Stats
	cfgRaw    []byte
	// slugs are the APIs the loaded Hugo site was built with: Hugo's
	// content adapter does not see a new API's page file, so a change
	// of the set reloads the site.
	slugs string
	// outSizes: the size of every file the last build kept in the output
	// folder, while the Hugo site that wrote them lives (watch mode): a
	// rebuild then prunes and counts without walking the whole folder.
	outSizes map[string]int64
	// ownOut: the output folder is the default one in the data folder,
	// which is portal's own even without a marker (portal serve's).
	ownOut bool
	// scripts holds each written page's inline-script hashes, for the CSP.
	scriptsMu sync.Mutex
	scripts   map[string][]string
	Config    *config.Config // the last loaded configuration
}

type apiSummary struct {
	title, version, kind, specVersion string
	operations                        int
	auth                              *AuthStrategy
}

type cachedSpec struct {
	mod      time.Time
	size     int64
	api      *spec.API
	raw      []byte
	problems []spec.Problem
}

// NewBuilder checks the options and fills in defaults.
func NewBuilder(opts Options) (*Builder, error) {
	if opts.Config == "" {
		opts.Config = "portal.yaml"
	}
	if opts.Data == "" {
		opts.Data = filepath.Join(filepath.Dir(opts.Config), ".portal")
	}
	ownOut := opts.Out == ""
	if ownOut {
		opts.Out = filepath.Join(opts.Data, "public")
	}
	if opts.WorkDir == "" {
		opts.WorkDir = filepath.Join(opts.Data, "site")
	}
	if opts.Catalog == "" {
		opts.Catalog = filepath.Join(opts.Data, "catalog.json")
	}
	for _, p := range []*string{&opts.Out, &opts.WorkDir, &opts.Data, &opts.Catalog} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, err
		}
		*p = abs
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.HugoLog == nil {
		opts.HugoLog = opts.Progress
	}
	if opts.Theme == nil {
		opts.Theme = themes.FS
	}
	return &Builder{opts: opts, ownOut: ownOut, scripts: map[string][]string{}, writer: &site.Writer{Dir: opts.WorkDir}, cache: map[string]cachedSpec{}, summaries: map[string]apiSummary{}}, nil
}

// Options returns the options with defaults filled in.
func (b *Builder) Options() Options { return b.opts }

func (b *Builder) progress(format string, args ...any) {
	fmt.Fprintf(b.opts.Progress, format+"\n", args...)
}

// Build builds the portal. In watch mode, changed lists user files that
// changed since the last build (Markdown, layouts, static files), so that
// Hugo re-renders only what depends on them.
func (b *Builder) Build(ctx context.Context, changed ...string) (Summary, error) {
	start := time.Now()
	var sum Summary
	cfg, err := config.Load(b.opts.Config)
	if err != nil {
		return sum, err
	}
	b.Config = cfg

	cfgRaw, _ := os.ReadFile(cfg.File)
	var st site.Stats
	var each func(*site.API, int) error
	if b.opts.Watch && b.frags != nil && !b.specsChanged(cfg) && bytes.Equal(cfgRaw, b.cfgRaw) && onlyUserFiles(cfg, changed) {
		// A Markdown, layout or static edit: the generated pages stand.
		st = b.lastStats
		st.Changed = nil
	} else {
		// One API at a time: each is written (its fragments spilled to
		// disk) while the next one parses, and released after, so that
		// memory holds about one description's model, however many.
		b.progress("writing the site for %d API(s)…", len(cfg.APIs))
		all := make([]*site.API, len(cfg.APIs))
		for i, ac := range cfg.APIs {
			all[i] = &site.API{Config: ac}
		}
		var extra map[string][]spec.Server
		if b.opts.ExtraServers != nil {
			extra = b.opts.ExtraServers(cfg)
		}
		b.frags = nil // until this write succeeds
		if err := b.writer.Begin(site.Options{
			Config:       cfg,
			APIs:         all,
			Theme:        b.opts.Theme,
			LiveReload:   b.opts.LiveReload,
			ExtraServers: extra,

			GatewayOrigin: b.opts.GatewayOrigin,
		}); err != nil {
			return sum, err
		}
		each = b.writer.WriteAPI
	}
	t := time.Now()
	problems, err := b.loadAPIs(ctx, cfg, each)
	for _, p := range problems {
		if p.Severity == spec.Warning {
			sum.Warnings = append(sum.Warnings, p)
		}
	}
	if err != nil {
		return sum, err
	}
	if each != nil {
		if st, err = b.writer.End(); err != nil {
			return sum, err
		}
		b.frags, b.lastStats, b.cfgRaw = b.writer.Fragments(), st, cfgRaw
		b.progress("wrote %d generated pages (%d changed files) in %s", st.Pages, len(st.Changed), ms(time.Since(t)))
		b.docs = st.Search
	}
	sum.APIs, sum.Operations, sum.Schemas = st.APIs, st.Operations, st.Schemas

	if !b.opts.Watch {
		b.cache = map[string]cachedSpec{}
	}
	return b.finish(sum, st, changed, start)
}

// onlyUserFiles reports whether every changed file lies in the user's
// content, layouts or static folders or a docs folder.
func onlyUserFiles(cfg *config.Config, changed []string) bool {
	dirs := []string{cfg.Content, cfg.Layouts, cfg.Static}
	for _, a := range cfg.APIs {
		dirs = append(dirs, a.Docs)
	}
	for _, f := range changed {
		ok := false
		for _, d := range dirs {
			if d != "" && strings.HasPrefix(f, d+string(filepath.Separator)) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (b *Builder) finish(sum Summary, st site.Stats, changed []string, start time.Time) (Summary, error) {
	t := time.Now()
	hugoCf, _ := os.ReadFile(filepath.Join(b.opts.WorkDir, "hugo.json"))
	var slugs strings.Builder
	for _, a := range b.Config.APIs {
		slugs.WriteString(a.Slug + "\n")
	}
	if b.hugo == nil || !bytes.Equal(hugoCf, b.hugoCf) || !b.opts.Watch || slugs.String() != b.slugs {
		b.slugs = slugs.String()
		if b.hugo != nil {
			b.hugo.Close()
			b.hugo = nil
		}
		if err := claimOut(b.opts.Out, b.ownOut); err != nil {
			return sum, err
		}
		h, err := hugo.New(hugo.Options{Dir: b.opts.WorkDir, PublishDir: b.opts.Out, Watch: b.opts.Watch, Log: b.opts.HugoLog, Finish: b.splice})
		if err != nil {
			return sum, err
		}
		b.outSizes = nil
		b.progress("Hugo loaded its configuration and theme in %s", ms(time.Since(t)))
		// Make the output folders up front, one at a time: Hugo's render
		// goroutines creating thousands of sibling folders at once contend
		// in the file system (measured: 1.1 s of CPU for GitHub's 2,200).
		if err := b.makeDirs(); err != nil {
			h.Close()
			return sum, err
		}
		b.progress("rendering with Hugo…")
		if err := h.Build(); err != nil {
			h.Close()
			return sum, err
		}
		b.hugo, b.hugoCf = h, hugoCf
	} else {
		files := append(append([]string(nil), st.Changed...), changed...)
		if len(files) > 0 {
			if err := b.hugo.Build(files...); err != nil {
				return sum, err
			}
		}
	}
	if err := b.writer.Err(); err != nil {
		return sum, err
	}
	b.progress("Hugo rendered %d files in %s", len(b.hugo.Written()), ms(time.Since(t)))
	// Static files: Hugo's library leaves copying them to its CLI. The
	// user's folder comes last so that it wins.
	keep := b.hugo.Outputs()
	fromHugo := maps.Clone(keep)
	for _, dir := range []string{filepath.Join(b.opts.WorkDir, "static"), b.Config.Static} {
		if dir == "" {
			continue
		}
		if err := copyTree(dir, b.opts.Out, keep); err != nil {
			return sum, fmt.Errorf("copy static files: %w", err)
		}
	}
	keep[outMarker] = true

	pages := b.hugo.Pages()
	rules := gateRules(b.Config, pages)
	docs := append([]site.SearchDoc(nil), b.docs...)
	for _, p := range pages {
		if p.Generated || p.Kind == "404" || p.Kind == "robotstxt" || p.Kind == "sitemap" {
			continue
		}
		summary := p.Summary
		if summary == "" {
			summary = site.Truncate(p.Plain, 160)
		}
		docs = append(docs, site.SearchDoc{Kind: "page", Title: p.Title, URL: p.URL, Summary: summary})
	}
	if err := b.writeSearch(docs, rules, keep); err != nil {
		return sum, err
	}
	if err := filterSitemap(filepath.Join(b.opts.Out, "sitemap.xml"), rules); err != nil {
		return sum, err
	}
	cat, err := b.writeCatalog(rules)
	if err != nil {
		return sum, err
	}
	sum.Catalog = cat
	if !b.opts.Watch {
		b.hugo.Close()
		b.hugo = nil
		b.writer.Close()
	}
	// The output holds exactly what this build produced: a removed or
	// private API's pages and description must not outlive it (an
	// incremental rebuild under serve writes what changed, and deletes
	// nothing on its own).
	var htmlPages int
	var size int64
	if b.outSizes == nil {
		b.outSizes, htmlPages, size, err = pruneOut(b.opts.Out, keep)
	} else {
		// What this build wrote: Hugo's pages, the sitemap it filters, and
		// every file the build adds to Hugo's (static files, search
		// index, marker).
		written := map[string]bool{"sitemap.xml": true}
		for _, f := range b.hugo.Written() {
			written[f] = true
		}
		for f := range keep {
			if !fromHugo[f] {
				written[f] = true
			}
		}
		htmlPages, size, err = pruneKnown(b.opts.Out, keep, written, b.outSizes)
	}
	if err != nil {
		b.outSizes = nil
		return sum, err
	}
	if !b.opts.Watch {
		b.outSizes = nil
	}
	sum.CSP = headers.CSP(b.scriptHashes(keep))
	sum.Pages, sum.Bytes = htmlPages, size
	sum.Duration = time.Since(start)
	return sum, nil
}

// outMarker marks a folder that portal build made, and may prune again.
const outMarker = ".portal-build"

// claimOut makes sure that the build may prune the output folder: it must
// be empty, made by an earlier build, or the builder's own folder in the
// data folder. `--out .` must never delete a project.
func claimOut(out string, own bool) error {
	entries, err := os.ReadDir(out)
	if errors.Is(err, fs.ErrNotExist) {
		return writeMarker(out)
	}
	if err != nil {
		return fmt.Errorf("output folder %s: %w", out, err)
	}
	if len(entries) > 0 && !own {
		if _, err := os.Stat(filepath.Join(out, outMarker)); err != nil {
			return fmt.Errorf("output folder %s is not empty and was not made by portal build; choose another --out, or empty it first", out)
		}
	}
	return writeMarker(out)
}

// pruneOut deletes every file of out that is not in keep (relative,
// slash-separated), and the folders that leaves empty. It returns the size
// of each file that stays, the number of HTML pages and the bytes: the walk
// is the one the summary needs anyway.
func pruneOut(out string, keep map[string]bool) (sizes map[string]int64, pages int, size int64, err error) {
	sizes = make(map[string]int64, len(keep))
	var emptied []string
	err = filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		if !keep[filepath.ToSlash(rel)] {
			emptied = append(emptied, filepath.Dir(p))
			return os.Remove(p)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		sizes[filepath.ToSlash(rel)] = info.Size()
		size += info.Size()
		if strings.HasSuffix(p, ".html") {
			pages++
		}
		return nil
	})
	if err != nil {
		return nil, 0, 0, fmt.Errorf("prune %s: %w", out, err)
	}
	removeEmpty(out, emptied)
	return sizes, pages, size, nil
}

// pruneKnown is pruneOut after a build that wrote only what changed: it
// deletes the files of sizes (the last build's) that are not in keep, and
// stats only the files this build wrote; sizes is updated.
func pruneKnown(out string, keep, written map[string]bool, sizes map[string]int64) (pages int, size int64, err error) {
	var emptied []string
	for f := range sizes {
		if keep[f] {
			continue
		}
		p := filepath.Join(out, filepath.FromSlash(f))
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, 0, fmt.Errorf("prune %s: %w", out, err)
		}
		delete(sizes, f)
		emptied = append(emptied, filepath.Dir(p))
	}
	for f := range keep {
		if _, ok := sizes[f]; ok && !written[f] {
			continue
		}
		info, err := os.Stat(filepath.Join(out, filepath.FromSlash(f)))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return 0, 0, fmt.Errorf("prune %s: %w", out, err)
		}
		sizes[f] = info.Size()
	}
	for f, n := range sizes {
		size += n
		if strings.HasSuffix(f, ".html") {
			pages++
		}
	}
	removeEmpty(out, emptied)
	return pages, size, nil
}

// removeEmpty removes the folders in dirs, and their parents up to out,
// that hold nothing; deepest first, a folder that still holds something
// stays.
func removeEmpty(out string, dirs []string) {
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		for ; d != out && strings.HasPrefix(d, out); d = filepath.Dir(d) {
			if os.Remove(d) != nil {
				break
			}
		}
	}
}

func writeMarker(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("output folder %s: %w", out, err)
	}
	return os.WriteFile(filepath.Join(out, outMarker), []byte("made by portal build; portal build empties this folder\n"), 0o644)
}

// copyTree copies the files of src into dst, skipping files whose copy is
// already there with the same size and a modification time no older, and
// notes each in keep.
func copyTree(src, dst string, keep map[string]bool) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(src, p)
		keep[filepath.ToSlash(rel)] = true
		target := filepath.Join(dst, rel)
		si, err := d.Info()
		if err != nil {
			return err
		}
		if ti, err := os.Stat(target); err == nil && ti.Size() == si.Size() && !ti.ModTime().Before(si.ModTime()) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// makeDirs creates the output folder of every generated page.
func (b *Builder) makeDirs() error {
	dirs := make([]string, 0, len(b.frags))
	for f := range b.frags {
		dirs = append(dirs, filepath.Dir(filepath.Join(b.opts.Out, filepath.FromSlash(f))))
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// splice puts a generated page's fragments into it as Hugo writes it.
// The page's inline scripts are noted first: only the theme's and the
// user's layouts', never anything a description brought in a fragment.
func (b *Builder) splice(name string, page []byte) []byte {
	hashes := headers.InlineScripts(page)
	b.scriptsMu.Lock()
	b.scripts[name] = hashes
	b.scriptsMu.Unlock()
	if frags := b.frags[name]; frags != nil {
		return site.Splice(page, frags())
	}
	return page
}

// scriptHashes returns the inline-script hashes of the pages in keep,
// forgetting the pages that are gone.
func (b *Builder) scriptHashes(keep map[string]bool) []string {
	b.scriptsMu.Lock()
	defer b.scriptsMu.Unlock()
	seen := map[string]bool{}
	var out []string
	for page, hashes := range b.scripts {
		if !keep[page] {
			delete(b.scripts, page)
			continue
		}
		for _, h := range hashes {
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	sort.Strings(out)
	return out
}

// specsChanged reports whether a description differs from the cached one.
func (b *Builder) specsChanged(cfg *config.Config) bool {
	for _, ac := range cfg.APIs {
		fi, err := os.Stat(ac.Spec)
		c, ok := b.cache[ac.Spec]
		if err != nil || !ok || !c.mod.Equal(fi.ModTime()) || c.size != fi.Size() {
			return true
		}
	}
	return false
}

// loadAPIs loads every description in portal.yaml order, one at a time,
// reusing unchanged ones in watch mode. If each is set, it gets every
// loaded API in order, until an API fails to load or each fails; the API
// is released when each returns, unless the watch-mode cache keeps it.
// The next description parses only then: parsing it while the previous
// one renders held both in memory and, on two cores, took longer too
// (GitHub's description four times: 800 against 500 MiB, 80 against
// 46-60 s).
func (b *Builder) loadAPIs(ctx context.Context, cfg *config.Config, each func(*site.API, int) error) ([]spec.Problem, error) {
	var all []spec.Problem
	var errs []error
	failed := false
	for i := range cfg.APIs {
		api, problems, err := b.loadAPI(ctx, cfg, i)
		all = append(all, problems...)
		if err != nil {
			errs = append(errs, err)
			failed = true
			continue
		}
		if slices.ContainsFunc(problems, func(p spec.Problem) bool { return p.Severity == spec.Error }) {
			failed = true
		}
		if each == nil || failed || api == nil {
			continue
		}
		if err := each(api, i); err != nil {
			return all, err
		}
	}
	if err := errors.Join(errs...); err != nil {
		return all, err
	}
	for _, p := range all {
		if p.Severity == spec.Error {
			return all, &ProblemsError{Problems: all}
		}
	}
	return all, nil
}

// loadAPI loads the description of cfg.APIs[i], or takes it from the
// watch-mode cache when the file is unchanged.
func (b *Builder) loadAPI(ctx context.Context, cfg *config.Config, i int) (*site.API, []spec.Problem, error) {
	ac := cfg.APIs[i]
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	t := time.Now()
	fi, err := os.Stat(ac.Spec)
	if err != nil {
		return nil, nil, fmt.Errorf("%s:%d: apis[%d].spec: %w", cfg.File, ac.Line, i, err)
	}
	c, ok := b.cache[ac.Spec]
	if !ok || !c.mod.Equal(fi.ModTime()) || c.size != fi.Size() {
		raw, err := os.ReadFile(ac.Spec)
		if err != nil {
			return nil, nil, fmt.Errorf("load spec %s: %w", ac.Spec, err)
		}
		load := openapi.Load
		if asyncapi.IsAsyncAPI(raw) {
			load = asyncapi.Load
		}
		api, problems, err := load(displayPath(ac.Spec), raw)
		// The parser's index and node trees are garbage now (GitHub's
		// description: ~200 MB live at the end of the parse, ~50 MB of our
		// model after). Collect them before rendering starts, or the heap
		// goal the parse set lets rendering grow the heap to twice that.
		runtime.GC()
		c = cachedSpec{mod: fi.ModTime(), size: fi.Size(), api: api, raw: raw, problems: problems}
		if err != nil {
			c.api = nil
		}
		if b.opts.Watch {
			b.cache[ac.Spec] = c
		}
		if c.api != nil {
			b.progress("loaded %s: %s %s, %d operations, %d schemas in %s", ac.Slug, kindName(c.api), c.api.SpecVersion, len(c.api.Operations)+len(c.api.Webhooks), len(c.api.Schemas), ms(time.Since(t)))
		}
	}
	if c.api == nil {
		if len(c.problems) == 0 {
			return nil, nil, fmt.Errorf("load spec %s: no usable description", ac.Spec)
		}
		return nil, c.problems, nil
	}
	// Keyed by description, shared by the APIs publishing it: the
	// strategy the description implies; auth: none applies later.
	auth, authProblems := authFor(cfg.File, config.API{Slug: ac.Slug, Line: ac.Line, Auth: config.AuthKey}, c.api)
	if ac.Auth == config.AuthNone {
		authProblems = nil
	}
	b.summaries[ac.Spec] = apiSummary{
		title: c.api.Title, version: c.api.Version, kind: string(c.api.Kind), specVersion: c.api.SpecVersion,
		operations: len(c.api.Operations) + len(c.api.Webhooks), auth: auth,
	}
	a := &site.API{Config: ac, Spec: c.api, Raw: c.raw}
	if ac.Auth != config.AuthNone {
		a.KeyNames = auth.KeyNames
	}
	return a, slices.Concat(c.problems, authProblems), nil
}

func kindName(a *spec.API) string {
	if a.Kind == spec.KindAsyncAPI {
		return "AsyncAPI"
	}
	if strings.HasPrefix(a.SpecVersion, "2.") {
		return "Swagger"
	}
	return "OpenAPI"
}

func writeJSON(p string, v any, indent bool) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(p), err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b.Bytes(), 0o644)
}

func displayPath(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return p
}

func ms(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// Close releases a watching builder's Hugo site and spilled fragments.
func (b *Builder) Close() error {
	err := b.writer.Close()
	if b.hugo != nil {
		err = errors.Join(b.hugo.Close(), err)
	}
	return err
}

// sortedProblems orders problems by file, line and severity.
func sortedProblems(ps []spec.Problem) []spec.Problem {
	out := append([]spec.Problem(nil), ps...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Severity > out[j].Severity
	})
	return out
}
