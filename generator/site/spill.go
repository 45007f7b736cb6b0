package site

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/portal-dev/portal/generator/render"
)

// A spill holds the rendered fragments of one API's pages in a file, so
// that the API's model can be released before Hugo writes the pages:
// memory then holds one model at a time, not one per API. Hugo reads each
// page's fragments back as it writes the page.
type spill struct {
	f    *os.File
	mu   sync.Mutex
	size int64
	navs map[string]span // SharedNav key → the sidebar, once per tag
	err  error           // the first write or read error
}

// span is a fragment's place in the spill file.
type span struct {
	off int64
	n   int
}

func newSpill(dir, slug string) (*spill, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, slug+"-*.html")
	if err != nil {
		return nil, err
	}
	return &spill{f: f, navs: map[string]span{}}, nil
}

// batch collects the fragments of a few pages, to append them to the spill
// with one write.
type batch struct {
	buf   bytes.Buffer
	pages []*spilledPage
	navs  map[string]string // keys of sidebars the batch's pages share, not yet spilled
}

// spilledPage is one page's fragments in a spill.
type spilledPage struct {
	s     *spill
	names []string
	spans []span // offsets relative to the batch until it is spilled
	nav   string // the SharedNav key of the page's sidebar
	mark  string // the link to mark as the current page
}

// add puts one page's fragments into the batch.
func (c *batch) add(s *spill, frags map[string]string, navKey, navHTML, mark string) *spilledPage {
	p := &spilledPage{s: s, nav: navKey, mark: mark}
	for k, v := range frags {
		if v == "" || k == "nav" {
			continue
		}
		p.names = append(p.names, k)
		p.spans = append(p.spans, span{off: int64(c.buf.Len()), n: len(v)})
		c.buf.WriteString(v)
	}
	if c.navs == nil {
		c.navs = map[string]string{}
	}
	c.navs[navKey] = navHTML
	c.pages = append(c.pages, p)
	return p
}

// flush appends the batch, and the sidebars it shares that the spill does
// not hold yet, to the spill file.
func (s *spill) flush(c *batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	base := s.size
	for key, html := range c.navs {
		if _, ok := s.navs[key]; !ok {
			s.navs[key] = span{off: base + int64(c.buf.Len()), n: len(html)}
			c.buf.WriteString(html)
		}
	}
	if _, err := s.f.Write(c.buf.Bytes()); err != nil && s.err == nil {
		s.err = fmt.Errorf("spill fragments: %w", err)
	}
	s.size += int64(c.buf.Len())
	for _, p := range c.pages {
		for i := range p.spans {
			p.spans[i].off += base
		}
	}
	c.buf.Reset()
	c.pages, c.navs = nil, nil
}

func (s *spill) read(sp span) string {
	b := make([]byte, sp.n)
	if _, err := s.f.ReadAt(b, sp.off); err != nil {
		s.mu.Lock()
		if s.err == nil {
			s.err = fmt.Errorf("read spilled fragments: %w", err)
		}
		s.mu.Unlock()
		return ""
	}
	return string(b)
}

// frags reads the page's fragments back.
func (p *spilledPage) frags() map[string]string {
	out := make(map[string]string, len(p.names)+1)
	for i, name := range p.names {
		out[name] = p.s.read(p.spans[i])
	}
	p.s.mu.Lock()
	sp := p.s.navs[p.nav]
	p.s.mu.Unlock()
	out["nav"] = render.MarkCurrent(p.s.read(sp), p.mark)
	return out
}

// close removes the spill file.
func (s *spill) close() error {
	err := s.f.Close()
	if rerr := os.Remove(s.f.Name()); err == nil {
		err = rerr
	}
	return err
}

// spillDir is where a writer keeps its spills: in the project folder,
// outside every folder Hugo reads.
func spillDir(projectDir string) string { return filepath.Join(projectDir, "fragments") }
