package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portal-dev/portal/generator"
	"github.com/portal-dev/portal/generator/config"
	"github.com/portal-dev/portal/generator/gateway"
)

const gatewayUsage = `Usage: portal gateway config nginx|caddy|traefik|envoy [flags]

Write a ready configuration for your gateway that enforces the portal's keys
through /validate: one route per API of portal.yaml (its gateway host and
path), the API named by the gateway itself, the key header stripped before
the upstream, identity headers (X-Consumer-ID, X-Application-ID, …) set from
the validator only, CORS preflight for the portal's origin answered before
the key check, Kong's JSON bodies on 401 and 403, and fail closed when the
validator is down. See "Enforce keys with your gateway" in the portal's docs.

Run "portal gateway config --help" for the flags.
`

func runGateway(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "config" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			fmt.Fprint(stdout, gatewayUsage)
			return exitOK
		}
		fmt.Fprint(stderr, gatewayUsage)
		return exitUsage
	}
	args = args[1:]
	fs := newFlags("gateway config nginx|caddy|traefik|envoy", "Write the configuration of a gateway (nginx, caddy, traefik or envoy) that enforces the\nportal's keys through /validate, one route per API of portal.yaml. See the portal's\ndocs page \"Enforce keys with your gateway\".", stderr)
	cfgPath := fs.String("config", envDefault(getenv, "config", "portal.yaml"), "portal configuration `file` (env PORTAL_CONFIG)")
	api := fs.String("api", "", "only this API (`slug`)")
	validateURL := fs.String("validate-url", "", "the portal's forward-auth `URL` (default: portal.yaml's url + /validate, else http://127.0.0.1:8080/validate, portal serve's)")
	origin := fs.String("origin", "", "the portal's `origin`, which browsers may call the APIs from (default: portal.yaml's url, else the validate URL's origin)")
	listen := fs.String("listen", "80", "where the gateway listens: `port`, :port or address:port")
	out := fs.String("out", "", "write to this `file` instead of stdout")
	var kind string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		kind, args = args[0], args[1:]
	}
	if code, ok := parse(fs, args, stdout); !ok {
		return code
	}
	if kind == "" {
		fmt.Fprintf(stderr, "portal: name the gateway: portal gateway config %s\n", strings.Join(gateway.Kinds, "|"))
		return exitUsage
	}
	if !slices.Contains(gateway.Kinds, kind) {
		fmt.Fprintf(stderr, "portal: unknown gateway %q; choose one of %s\n", kind, strings.Join(gateway.Kinds, ", "))
		return exitUsage
	}
	if _, _, err := gateway.SplitListen(*listen); err != nil {
		fmt.Fprintf(stderr, "portal: %v\n", err)
		return exitUsage
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return fail(stderr, err)
	}
	vu, org, err := gatewayURLs(cfg, *validateURL, *origin)
	if err != nil {
		fmt.Fprintf(stderr, "portal: %v\n", err)
		return exitUsage
	}
	cat, err := generator.LoadCatalog(ctx, *cfgPath)
	if err != nil {
		return fail(stderr, err)
	}
	routes, skipped, err := gateway.Routes(cat, vu, *api)
	if err != nil {
		return fail(stderr, err)
	}
	if len(routes) == 0 {
		return fail(stderr, fmt.Errorf("no API to route: every API was skipped (%s)", skippedList(skipped)))
	}
	var buf bytes.Buffer
	err = gateway.Write(&buf, kind, gateway.Options{ValidateURL: vu, Origin: org, Listen: *listen, Source: displayName(*cfgPath), Portal: cfg.Name}, routes, skipped)
	if err != nil {
		return fail(stderr, err)
	}
	if *out == "" {
		stdout.Write(buf.Bytes())
		return exitOK
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stderr, "wrote %s: %d route(s) for %s\n", *out, len(routes), kind)
	return exitOK
}

// gatewayURLs resolves the validator's URL and the portal's origin.
func gatewayURLs(cfg *config.Config, validateURL, origin string) (*url.URL, string, error) {
	if validateURL == "" {
		validateURL = "http://127.0.0.1:8080/validate"
		if cfg.URL != "" {
			validateURL = strings.TrimSuffix(cfg.URL, "/") + "/validate"
		}
	}
	vu, err := url.Parse(validateURL)
	if err != nil || (vu.Scheme != "http" && vu.Scheme != "https") || vu.Host == "" || vu.RawQuery != "" {
		return nil, "", fmt.Errorf("--validate-url %q: give the portal's /validate as an http(s) URL, such as http://127.0.0.1:8080/validate", validateURL)
	}
	if vu.Path == "" {
		vu.Path = "/validate"
	}
	if origin == "" {
		origin = vu.Scheme + "://" + vu.Host
		if cfg.URL != "" {
			origin = cfg.URL
		}
	}
	o, err := url.Parse(strings.TrimSuffix(origin, "/"))
	if err != nil || (o.Scheme != "http" && o.Scheme != "https") || o.Host == "" || o.Path != "" {
		return nil, "", fmt.Errorf("--origin %q: give the portal's origin as scheme://host[:port], such as https://developer.acme.com", origin)
	}
	return vu, o.Scheme + "://" + o.Host, nil
}

func skippedList(s []gateway.Skipped) string {
	var out []string
	for _, x := range s {
		out = append(out, x.Slug+": "+x.Why)
	}
	return strings.Join(out, "; ")
}

// displayName is portal.yaml's file name, for comments: never a path of
// the machine that generated the file.
func displayName(p string) string { return filepath.Base(p) }
