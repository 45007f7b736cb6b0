// Package hugo runs Hugo, embedded as a library, over a generated site.
// It is the only package that imports Hugo.
package hugo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/bep/logg"
	"github.com/fsnotify/fsnotify"
	"github.com/gohugoio/hugo/common/loggers"
	"github.com/gohugoio/hugo/config"
	"github.com/gohugoio/hugo/config/allconfig"
	"github.com/gohugoio/hugo/deps"
	"github.com/gohugoio/hugo/hugofs"
	"github.com/gohugoio/hugo/hugolib"
	"github.com/gohugoio/hugo/resources/page"
	"github.com/spf13/afero"
)

// Options say where the site is and where it goes.
type Options struct {
	Dir        string    // the Hugo project: hugo.toml, content/, themes/
	PublishDir string    // absolute output folder
	Watch      bool      // keep the site for incremental rebuilds
	Log        io.Writer // Hugo's warnings and errors; nil discards them
	// Finish, if set, may rewrite each HTML page before it is written;
	// name is slash-separated, relative to PublishDir. It runs on Hugo's
	// render goroutines, so the work overlaps rendering.
	Finish func(name string, page []byte) []byte
}

// Site is a loaded Hugo site that can be built once, or again and again
// when Options.Watch is set.
type Site struct {
	h    *hugolib.HugoSites
	opts Options
	out  *publisher
	// Page folders ("apis/x/", "" for the home page) and page files
	// ("404.html") of every page seen since the site was loaded: what
	// Outputs needs to tell a gone page's files from the others.
	knownDirs, knownFiles map[string]bool
}

// New loads the Hugo configuration in opts.Dir.
func New(opts Options) (*Site, error) {
	w := opts.Log
	if w == nil {
		w = io.Discard
	}
	logger := loggers.New(loggers.Options{
		Level:         logg.LevelWarn,
		StdOut:        w,
		StdErr:        w,
		DistinctLevel: logg.LevelWarn,
	})
	flags := config.New()
	flags.Set("workingDir", opts.Dir)
	flags.Set("publishDir", opts.PublishDir)
	// PORTAL_HUGO_METRICS=1 prints Hugo's template metrics after a build,
	// for theme authors chasing a slow partial.
	if os.Getenv("PORTAL_HUGO_METRICS") != "" {
		flags.Set("templateMetrics", true)
		flags.Set("templateMetricsHints", true)
	}
	if opts.Watch {
		flags.Set("internal", map[string]any{"watch": true, "running": true})
		// portal serve sends its own reload events to the theme's script;
		// Hugo's would add a /livereload.js that nothing serves.
		flags.Set("disableLiveReload", true)
	}
	osFs := afero.NewOsFs()
	res, err := allconfig.LoadConfig(allconfig.ConfigSourceDescriptor{
		Flags:       flags,
		Fs:          osFs,
		Logger:      logger,
		Environment: "production",
	})
	if err != nil {
		return nil, fmt.Errorf("hugo config: %w", err)
	}
	fs := hugofs.NewFrom(osFs, res.LoadingInfo.BaseConfig)
	rec := &publisher{Fs: osFs, root: filepath.Clean(opts.PublishDir), finish: opts.Finish, written: map[string]bool{}, all: map[string]bool{}}
	pub := hugofs.NewBasePathFs(rec, opts.PublishDir)
	fs.PublishDir, fs.PublishDirServer, fs.PublishDirStatic = pub, pub, pub
	h, err := hugolib.NewHugoSites(deps.DepsCfg{
		Configs:  res,
		Fs:       fs,
		LogLevel: logger.Level(),
		StdOut:   logger.StdOut(),
		StdErr:   logger.StdErr(),
	})
	if err != nil {
		return nil, fmt.Errorf("hugo: %w", err)
	}
	return &Site{h: h, opts: opts, out: rec, knownDirs: map[string]bool{}, knownFiles: map[string]bool{}}, nil
}

// Build renders the site. With changed files (absolute paths), a watching
// site rebuilds only what depends on them.
func (s *Site) Build(changed ...string) error {
	var events []fsnotify.Event
	for _, f := range changed {
		op := fsnotify.Write
		if _, err := os.Stat(f); err != nil {
			op = fsnotify.Remove
		}
		events = append(events, fsnotify.Event{Name: f, Op: op})
	}
	s.out.reset()
	if err := s.h.Build(hugolib.BuildCfg{}, events...); err != nil {
		return fmt.Errorf("hugo build: %w", err)
	}
	return nil
}

// Page is what the search index needs from a page Hugo rendered.
type Page struct {
	Title     string
	URL       string
	Kind      string // home, page, section
	Section   string
	Generated bool // made by the generator (params.generated)
	Summary   string
	Plain     string
	// Visibility is the page's "visibility" parameter (its own, or one a
	// cascade gave it), else its nearest ancestor's; "" when none says.
	// The theme's func/visibility.html reads it the same way.
	Visibility string
}

// Pages lists the rendered pages.
func (s *Site) Pages() []Page {
	ctx := context.Background()
	var out []Page
	for _, p := range s.h.Pages() {
		if p.RelPermalink() == "" {
			continue
		}
		gen, _ := p.Params()["generated"].(bool)
		pg := Page{
			Title:      p.Title(),
			URL:        p.RelPermalink(),
			Kind:       p.Kind(),
			Section:    p.Section(),
			Generated:  gen,
			Visibility: visibility(p),
		}
		if !gen {
			pg.Plain = strings.Join(strings.Fields(p.Plain(ctx)), " ")
			pg.Summary = fmt.Sprint(p.Params()["description"])
			if pg.Summary == "<nil>" {
				pg.Summary = ""
			}
		}
		out = append(out, pg)
	}
	return out
}

func visibility(p page.Page) string {
	if v, ok := p.Params()["visibility"].(string); ok && v != "" {
		return v
	}
	for _, a := range p.Ancestors() {
		if v, ok := a.Params()["visibility"].(string); ok && v != "" {
			return v
		}
	}
	return ""
}

// Outputs returns the files (slash-separated, relative to the publish
// folder) that the site consists of now. An incremental build writes only
// what changed and never deletes, so this is every file written since the
// site was loaded, less the files of pages that are gone: a file belongs
// to the nearest page whose folder holds it (a page bundle's image, a
// paginator's page/2/), or is a page's own file (sitemap.xml, 404.html).
// Files outside any page's folder but the home page's (the fingerprinted
// assets) live as long as the site.
func (s *Site) Outputs() map[string]bool {
	base := "/" // the home page's URL: the base URL's path
	for _, p := range s.h.Pages() {
		if p.Kind() == "home" && p.RelPermalink() != "" {
			base = p.RelPermalink()
			break
		}
	}
	// The root folder is the site's own, with or without a home page.
	dirs, files := map[string]bool{"": true}, map[string]bool{}
	for _, p := range s.h.Pages() {
		rel, ok := strings.CutPrefix(p.RelPermalink(), base)
		if !ok {
			continue
		}
		if rel == "" || strings.HasSuffix(rel, "/") {
			dirs[rel] = true
			s.knownDirs[rel] = true
		} else {
			files[rel] = true
			s.knownFiles[rel] = true
		}
	}
	s.out.mu.Lock()
	defer s.out.mu.Unlock()
	out := make(map[string]bool, len(s.out.all))
	for f := range s.out.all {
		if s.knownFiles[f] && !files[f] || !dirs[s.owner(f)] {
			delete(s.out.all, f)
			continue
		}
		out[f] = true
	}
	return out
}

// owner returns the folder of the nearest known page that holds file f.
func (s *Site) owner(f string) string {
	d := f
	for {
		i := strings.LastIndexByte(strings.TrimSuffix(d, "/"), '/')
		if i < 0 {
			return ""
		}
		d = d[:i+1]
		if s.knownDirs[d] {
			return d
		}
	}
}

// Written lists the files (slash-separated, relative to the publish folder)
// that the last Build wrote.
func (s *Site) Written() []string { return s.out.list() }

// publisher is Hugo's output file system: the OS, with each HTML page
// passed through finish on its way to disk, and a note of what each build
// wrote.
type publisher struct {
	afero.Fs
	root    string
	finish  func(string, []byte) []byte
	mu      sync.Mutex
	written map[string]bool // by the last Build
	all     map[string]bool // since the site was loaded
}

func (p *publisher) note(name string) string {
	rel, err := filepath.Rel(p.root, name)
	if err != nil || strings.HasPrefix(rel, "..") {
		return ""
	}
	rel = filepath.ToSlash(rel)
	p.mu.Lock()
	p.written[rel] = true
	p.all[rel] = true
	p.mu.Unlock()
	return rel
}

func (p *publisher) reset() {
	p.mu.Lock()
	p.written = map[string]bool{}
	p.mu.Unlock()
}

func (p *publisher) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.written))
	for f := range p.written {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Create records the file and creates it.
func (p *publisher) Create(name string) (afero.File, error) {
	return p.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

// OpenFile records files opened for writing, and buffers HTML pages so
// that finish sees each page whole.
func (p *publisher) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	if flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE) == 0 {
		return p.Fs.OpenFile(name, flag, perm)
	}
	rel := p.note(name)
	f, err := p.Fs.OpenFile(name, flag, perm)
	if err != nil || p.finish == nil || !strings.HasSuffix(rel, ".html") {
		return f, err
	}
	return &finishingFile{File: f, name: rel, finish: p.finish}, nil
}

// finishingFile holds a page's bytes until Close.
type finishingFile struct {
	afero.File
	name   string
	finish func(string, []byte) []byte
	buf    []byte
}

func (f *finishingFile) Write(b []byte) (int, error) {
	f.buf = append(f.buf, b...)
	return len(b), nil
}

func (f *finishingFile) WriteString(s string) (int, error) {
	f.buf = append(f.buf, s...)
	return len(s), nil
}

func (f *finishingFile) Close() error {
	_, err := f.File.Write(f.finish(f.name, f.buf))
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	return err
}

// Close releases the site.
func (s *Site) Close() error { return s.h.Close() }
