// Package cli implements the portal command: build, validate and serve.
// It takes its arguments, environment and writers as parameters so that
// tests can run it.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/portal-dev/portal/cmd/portal/serve"
	"github.com/portal-dev/portal/generator"
	"github.com/portal-dev/portal/generator/config"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and found errors
	exitUsage   = 2 // bad flags or arguments
)

const usage = `portal builds, checks and serves an API developer portal.

Usage:

	portal <command> [flags]

Commands:

	build      build the static site from portal.yaml
	validate   check portal.yaml and every API description
	serve      build, serve and rebuild on change, with the functions, an
	           embedded store and an embedded httpbin
	publish    mirror the built catalog into the store (local or DynamoDB)
	deploy     deploy to AWS (deploy aws) or prepare a Netlify site (deploy netlify)
	admin      manage developers, teams, applications, registrations, settings
	           and admin tokens
	gateway    write nginx, Caddy, Traefik or Envoy configuration that
	           enforces the portal's keys (gateway config nginx|caddy|…)
	version    print the version

Run "portal <command> --help" for a command's flags.
`

// Version is set at link time.
var Version = "dev"

// Main runs the command line args and returns the exit code. getenv
// reads the environment (os.Getenv; tests pass their own).
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "build":
		return runBuild(ctx, rest, getenv, stdout, stderr)
	case "validate":
		return runValidate(ctx, rest, getenv, stdout, stderr)
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "admin":
		return runAdmin(ctx, rest, getenv, stdout, stderr)
	case "publish":
		return runPublish(ctx, rest, getenv, stdout, stderr)
	case "gateway":
		return runGateway(ctx, rest, getenv, stdout, stderr)
	case "deploy":
		return runDeploy(ctx, rest, getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "portal %s\n", Version)
		return exitOK
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "portal: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
}

// newFlags makes a flag set whose --help prints a description and the flags.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("portal "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: portal %s [flags]\n\n%s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and answers --help (exit 0) and errors (exit 2).
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "portal: unexpected argument %q\n", fs.Arg(0))
		return exitUsage, false
	}
	return 0, true
}

// envDefault returns the PORTAL_<NAME> environment value, else def; flags
// override it (flags over env over file).
func envDefault(getenv func(string) string, name, def string) string {
	if v := getenv("PORTAL_" + strings.ToUpper(name)); v != "" {
		return v
	}
	return def
}

func runBuild(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlags("build", "Build the static portal described by portal.yaml into --out.", stderr)
	cfgPath := fs.String("config", envDefault(getenv, "config", "portal.yaml"), "portal configuration `file` (env PORTAL_CONFIG)")
	out := fs.String("out", envDefault(getenv, "out", "public"), "output `folder` for the static site (env PORTAL_OUT)")
	data := fs.String("data", envDefault(getenv, "data", ".portal"), "data `folder`: the generated Hugo project and catalog.json (env PORTAL_DATA)")
	catalog := fs.String("catalog", "", "where to write catalog.json (default <data>/catalog.json)")
	quiet := fs.Bool("quiet", false, "print only the summary and errors")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to `file`")
	if code, ok := parse(fs, args, stdout); !ok {
		return code
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return fail(stderr, err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fail(stderr, err)
		}
		defer pprof.StopCPUProfile()
	}
	progress := stderr
	if *quiet {
		progress = io.Discard
	}
	b, err := generator.NewBuilder(generator.Options{Config: *cfgPath, Out: *out, Data: *data, Catalog: *catalog, Progress: progress, HugoLog: stderr})
	if err != nil {
		return fail(stderr, err)
	}
	defer b.Close()
	sum, err := b.Build(ctx)
	if err != nil {
		return fail(stderr, err)
	}
	if len(sum.Warnings) > 0 && !*quiet {
		fmt.Fprintf(stderr, "%d warning(s); run portal validate to see them\n", len(sum.Warnings))
	}
	fmt.Fprintf(stdout, "built %s: %d APIs, %d operations, %d schemas, %d pages, %s in %.2f s\n",
		b.Options().Out, sum.APIs, sum.Operations, sum.Schemas, sum.Pages, bytesize(sum.Bytes), sum.Duration.Seconds())
	return exitOK
}

func runValidate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlags("validate", "Check portal.yaml and every API description it lists. Exits 1 on errors;\nwarnings (lint) do not fail unless --strict.", stderr)
	cfgPath := fs.String("config", envDefault(getenv, "config", "portal.yaml"), "portal configuration `file` (env PORTAL_CONFIG)")
	strict := fs.Bool("strict", false, "treat warnings as errors")
	noWarn := fs.Bool("no-warnings", false, "print errors only")
	if code, ok := parse(fs, args, stdout); !ok {
		return code
	}
	problems, err := generator.Validate(ctx, *cfgPath)
	if err != nil {
		return fail(stderr, err)
	}
	if *noWarn {
		kept := problems[:0]
		for _, p := range problems {
			if p.Severity.String() == "error" {
				kept = append(kept, p)
			}
		}
		problems = kept
	}
	errs, warns := generator.PrintProblems(stdout, problems)
	fmt.Fprintf(stdout, "%d error(s), %d warning(s)\n", errs, warns)
	if errs > 0 || (*strict && warns > 0) {
		return exitFailure
	}
	return exitOK
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlags("serve", "Build the portal, serve it with an embedded httpbin upstream, and rebuild\nand reload the browser when portal.yaml, a description or content changes.", stderr)
	cfgPath := fs.String("config", envDefault(getenv, "config", "portal.yaml"), "portal configuration `file` (env PORTAL_CONFIG)")
	addr := fs.String("addr", envDefault(getenv, "addr", "127.0.0.1:8080"), "listen `address` (env PORTAL_ADDR)")
	data := fs.String("data", envDefault(getenv, "data", ".portal"), "data `folder`: built site, Hugo project, store (env PORTAL_DATA)")
	watch := fs.Bool("watch", true, "rebuild on change")
	if code, ok := parse(fs, args, stdout); !ok {
		return code
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(stderr, fmt.Errorf("listen on %s: %w (is another portal running? pass --addr)", *addr, err))
	}
	s, err := serve.New(serve.Options{Config: *cfgPath, Data: *data, BaseURL: "http://" + ln.Addr().String(), Progress: stderr})
	if err != nil {
		ln.Close()
		return fail(stderr, err)
	}
	defer s.Close()
	if err := s.Build(ctx); err != nil {
		ln.Close()
		return fail(stderr, err)
	}
	if *watch {
		go func() {
			if err := s.Watch(ctx); err != nil {
				fmt.Fprintf(stderr, "portal: watch: %v\n", err)
			}
		}()
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	fmt.Fprintf(stdout, "Portal running at http://%s/ (Ctrl+C to stop)\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail(stderr, err)
	}
	return exitOK
}

// fail prints err the way users need it: config errors one per line,
// description problems in full.
func fail(stderr io.Writer, err error) int {
	var pe *generator.ProblemsError
	var ce config.Errors
	switch {
	case errors.As(err, &pe):
		generator.PrintProblems(stderr, pe.Errors())
		fmt.Fprintf(stderr, "portal: %v\n", err)
	case errors.As(err, &ce):
		fmt.Fprintf(stderr, "%v\nportal: fix portal.yaml and try again\n", ce)
	default:
		fmt.Fprintf(stderr, "portal: %v\n", err)
	}
	return exitFailure
}

func bytesize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
