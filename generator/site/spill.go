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

// span is a sidebar's place in the spill file.
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
// with one write once it holds flushAt bytes; its buffer is reused, so
// that rendering a big API does not keep asking for fresh memory.
type batch struct {
	buf   bytes.Buffer
	pages []*spilledPage
	navs  map[string]string // sidebars the batch's pages share, by SharedNav key
}

const flushAt = 256 << 10

// spilledPage is one page's fragments in a spill: one stretch of the file,
// read back with one call.
type spilledPage struct {
	s     *spill
	off   int64 // relative to the batch until it is spilled
	names []string
	ends  []int  // where each fragment ends, from off
	nav   string // the SharedNav key of the page's sidebar
	mark  string // the link to mark as the current page
}

// add puts one page's fragments into the batch, and spills the batch when
// it is full.
func (c *batch) add(s *spill, frags map[string]string, navKey, navHTML, mark string) *spilledPage {
	p := &spilledPage{s: s, off: int64(c.buf.Len()), nav: navKey, mark: mark}
	for k, v := range frags {
		if v == "" || k == "nav" {
			continue
		}
		c.buf.WriteString(v)
		p.names = append(p.names, k)
		p.ends = append(p.ends, c.buf.Len()-int(p.off))
	}
	if c.navs == nil {
		c.navs = map[string]string{}
	}
	c.navs[navKey] = navHTML
	c.pages = append(c.pages, p)
	if c.buf.Len() >= flushAt {
		s.flush(c)
	}
	return p
}

// flush appends the batch, and the sidebars it shares that the spill does
// not hold yet, to the spill file.
func (s *spill) flush(c *batch) {
	if len(c.pages) == 0 {
		return
	}
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
		p.off += base
	}
	c.buf.Reset()
	c.pages = c.pages[:0]
	clear(c.navs)
}

func (s *spill) read(off int64, n int) []byte {
	b := make([]byte, n)
	if _, err := s.f.ReadAt(b, off); err != nil {
		s.mu.Lock()
		if s.err == nil {
			s.err = fmt.Errorf("read spilled fragments: %w", err)
		}
		s.mu.Unlock()
		return nil
	}
	return b
}

// frags reads the page's fragments back.
func (p *spilledPage) frags() map[string]string {
	out := make(map[string]string, len(p.names)+1)
	n := 0
	if len(p.ends) > 0 {
		n = p.ends[len(p.ends)-1]
	}
	if b := p.s.read(p.off, n); b != nil {
		start := 0
		for i, name := range p.names {
			out[name] = string(b[start:p.ends[i]])
			start = p.ends[i]
		}
	}
	p.s.mu.Lock()
	nav := p.s.navs[p.nav]
	p.s.mu.Unlock()
	out["nav"] = render.MarkCurrent(string(p.s.read(nav.off, nav.n)), p.mark)
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
