// Package hugo runs Hugo, embedded as a library, over a generated site.
// It is the only package that imports Hugo.
package hugo

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/bep/logg"
	"github.com/fsnotify/fsnotify"
	"github.com/gohugoio/hugo/common/loggers"
	"github.com/gohugoio/hugo/config"
	"github.com/gohugoio/hugo/config/allconfig"
	"github.com/gohugoio/hugo/deps"
	"github.com/gohugoio/hugo/hugofs"
	"github.com/gohugoio/hugo/hugolib"
	"github.com/spf13/afero"
)

// Options say where the site is and where it goes.
type Options struct {
	Dir        string    // the Hugo project: hugo.toml, content/, themes/
	PublishDir string    // absolute output folder
	Watch      bool      // keep the site for incremental rebuilds
	Log        io.Writer // Hugo's warnings and errors; nil discards them
}

// Site is a loaded Hugo site that can be built once, or again and again
// when Options.Watch is set.
type Site struct {
	h    *hugolib.HugoSites
	opts Options
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
	if opts.Watch {
		flags.Set("internal", map[string]any{"watch": true, "running": true})
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
	return &Site{h: h, opts: opts}, nil
}

// Build renders the site. With changed files (absolute paths), a watching
// site rebuilds only what depends on them.
func (s *Site) Build(changed ...string) error {
	var events []fsnotify.Event
	for _, f := range changed {
		events = append(events, fsnotify.Event{Name: f, Op: fsnotify.Write})
	}
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
			Title:     p.Title(),
			URL:       p.RelPermalink(),
			Kind:      p.Kind(),
			Section:   p.Section(),
			Generated: gen,
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

// Close releases the site.
func (s *Site) Close() error { return s.h.Close() }
