package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/portal-dev/portal/cmd/portal/serve"
	"github.com/portal-dev/portal/functions/httpapi"
)

// The tests' fixtures around `portal serve`: the server, its HTTP side
// and the requests the tests send it.

// startServe makes `portal serve` with opts, closed when the test ends,
// and builds its site.
func startServe(t testing.TB, opts serve.Options) *serve.Server {
	t.Helper()
	s, err := serve.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// serveOnLoopback is startServe on a loopback port of its own, with that
// port's origin as BaseURL (so the links it prints and mails lead back to
// it); it returns the server and the origin.
func serveOnLoopback(t testing.TB, opts serve.Options) (*serve.Server, string) {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	opts.BaseURL = "http://" + hs.Listener.Addr().String()
	s := startServe(t, opts)
	hs.Config.Handler = s
	hs.Start()
	t.Cleanup(hs.Close)
	return s, opts.BaseURL
}

// cookieClient is a client that keeps cookies, as a browser does.
func cookieClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// send makes a request with c, body sent as JSON (none when nil) and
// headers given as name, value pairs, and returns the answer with its
// body read.
func send(t testing.TB, c *http.Client, method, url string, body any, headers ...string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// adminOf makes an admin token on s's store and returns it with the id of
// the portal s serves at base, read over the management API.
func adminOf(t testing.TB, s *serve.Server, base string, now time.Time) (token, portalID string) {
	t.Helper()
	token, _, err := httpapi.CreateAdminToken(context.Background(), s.Store(), "test", now)
	if err != nil {
		t.Fatal(err)
	}
	_, b := send(t, http.DefaultClient, "GET", base+"/v3/portals", nil, "Authorization", "Bearer "+token)
	var l struct{ Data []struct{ ID string } }
	json.Unmarshal(b, &l)
	return token, l.Data[0].ID
}
