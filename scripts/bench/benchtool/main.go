// Command benchtool is make bench's helper: it measures a built site
// (page and script sizes, gzip) and serves one with gzip for Lighthouse.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: benchtool sizes DIR | benchtool serve DIR ADDR")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "sizes":
		if err := sizes(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "benchtool:", err)
			os.Exit(1)
		}
	case "serve":
		fs := flag.NewFlagSet("serve", flag.ExitOnError)
		fs.Parse(os.Args[3:])
		addr := "127.0.0.1:0"
		if fs.NArg() > 0 {
			addr = fs.Arg(0)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtool:", err)
			os.Exit(1)
		}
		fmt.Println("http://" + ln.Addr().String())
		http.Serve(ln, gz(http.FileServer(http.Dir(os.Args[2]))))
	}
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Len()
}

var scriptRe = regexp.MustCompile(`<script[^>]+src=["']?([^"' >]+)`)

func sizes(dir string) error {
	var ops, all []int
	maxJS, maxJSPage := 0, ""
	jsCache := map[string]int{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		g := gzipSize(b)
		all = append(all, g)
		rel, _ := filepath.Rel(dir, p)
		if strings.Contains(filepath.ToSlash(rel), "/reference/") && !strings.HasSuffix(filepath.ToSlash(rel), "/reference/index.html") {
			ops = append(ops, g)
		}
		js := 0
		for _, m := range scriptRe.FindAllSubmatch(b, -1) {
			src := string(m[1])
			if strings.HasPrefix(src, "http") {
				continue
			}
			n, ok := jsCache[src]
			if !ok {
				data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(src, "/"))))
				if err == nil {
					n = gzipSize(data)
				}
				jsCache[src] = n
			}
			js += n
		}
		// Inline scripts count too.
		for _, s := range regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllSubmatch(b, -1) {
			js += gzipSize(s[1])
		}
		if js > maxJS {
			maxJS, maxJSPage = js, rel
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("html pages: %d, median %s gzip, p90 %s, max %s\n", len(all), kb(median(all)), kb(pct(all, 90)), kb(pct(all, 100)))
	fmt.Printf("operation pages: %d, median %s gzip, p90 %s, max %s\n", len(ops), kb(median(ops)), kb(pct(ops, 90)), kb(pct(ops, 100)))
	fmt.Printf("javascript: at most %s gzip on one page (%s)\n", kb(maxJS), maxJSPage)
	return nil
}

func median(xs []int) int { return pct(xs, 50) }

func pct(xs []int, p int) int {
	if len(xs) == 0 {
		return 0
	}
	s := append([]int(nil), xs...)
	sort.Ints(s)
	i := (len(s) - 1) * p / 100
	return s[i]
}

func kb(n int) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }

// gz compresses responses as a CDN would.
func gz(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		zw := gzip.NewWriter(w)
		defer zw.Close()
		h.ServeHTTP(gzipWriter{ResponseWriter: w, w: zw}, r)
	})
}

type gzipWriter struct {
	http.ResponseWriter
	w io.Writer
}

func (g gzipWriter) Write(b []byte) (int, error) {
	g.Header().Del("Content-Length")
	return g.w.Write(b)
}
