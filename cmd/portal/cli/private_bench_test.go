package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/portal-dev/portal/cmd/portal/serve"
	"github.com/portal-dev/portal/functions/access"
)

// BenchmarkServePage: one operation page of the same description under
// portal serve, published publicly and privately; the gated one carries a
// valid access cookie. The difference is the gate's cost per page.
func BenchmarkServePage(b *testing.B) {
	httpbin, _ := filepath.Abs("../../../sample-specs/httpbin.openapi.yaml")
	dir := b.TempDir()
	cfg := filepath.Join(dir, "portal.yaml")
	yaml := "name: bench\napis:\n  - slug: pub\n    spec: " + httpbin + "\n  - slug: priv\n    spec: " + httpbin + "\n    visibility: private\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		b.Fatal(err)
	}
	s := startServe(b, serve.Options{Config: cfg, Data: filepath.Join(dir, ".portal"), BaseURL: "http://127.0.0.1:8080"})
	ctx := context.Background()
	key, err := s.AccessKey(ctx)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := access.Issue(key, access.Grant{Developer: "d", APIs: []string{"priv"}, Pages: true}, time.Now(), access.MaxAge)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, path string }{
		{"public", "/apis/pub/reference/get-anything/"},
		{"gated", "/apis/priv/reference/get-anything/"},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", c.path, nil)
			req.Header.Set("Accept", "text/html")
			req.AddCookie(&http.Cookie{Name: access.CookieName, Value: tok})
			for b.Loop() {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("%s = %d", c.path, w.Code)
				}
			}
		})
	}
}
