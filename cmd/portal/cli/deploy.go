package cli

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/portal-dev/portal/functions/catalog"
	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/publish"
	"github.com/portal-dev/portal/generator"
	gateedge "github.com/portal-dev/portal/generator/edge"
	"github.com/portal-dev/portal/infra/cloudformation"
	"github.com/portal-dev/portal/infra/deploy"
	"github.com/portal-dev/portal/internal/syncio"
)

// edge makes the gate's edge code from a build's rules: the CloudFront
// Function and the Netlify Edge Function of package generator/edge, which
// verify the access cookie (tested under Node and Deno against the same
// vectors as the Go gate).
var edge deploy.Edge = edgeCode{}

type edgeCode struct{}

func (edgeCode) CloudFrontFunction(rules []catalog.GateRule) (string, error) {
	return gateedge.CloudFront(rules)
}

func (edgeCode) WriteNetlify(dir string, rules []catalog.GateRule) error {
	return gateedge.WriteNetlify(dir, rules)
}

const deployUsage = `portal deploy puts the portal on AWS or prepares its Netlify site.

Usage:

	portal deploy aws [flags]        one CloudFormation stack: S3 + CloudFront (with the
	                                 gate), the HTTP API and its Lambdas, DynamoDB, SES
	portal deploy aws --destroy      remove the stack (the table is kept)
	portal deploy netlify --table T  create the table, publish the catalog, make the
	                                 first admin token, print the site's variables
	portal deploy netlify --build    what netlify.toml's build runs: the site and the
	                                 gate's edge function

Run "portal deploy aws --help" or "portal deploy netlify --help" for the flags.
`

func runDeploy(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, deployUsage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	switch args[0] {
	case "aws":
		return runDeployAWS(ctx, args[1:], getenv, stdout, stderr)
	case "netlify":
		return runDeployNetlify(ctx, args[1:], getenv, stdout, stderr)
	}
	fmt.Fprintf(stderr, "portal deploy: unknown target %q\n\n%s", args[0], deployUsage)
	return exitUsage
}

// siteFlags are the build's flags, shared by portal build and the deploy
// commands.
type siteFlags struct{ config, out, data *string }

func addSiteFlags(fs interface {
	String(name, value, usage string) *string
}, getenv func(string) string) siteFlags {
	return siteFlags{
		config: fs.String("config", envDefault(getenv, "config", "portal.yaml"), "portal configuration `file` (env PORTAL_CONFIG)"),
		out:    fs.String("out", envDefault(getenv, "out", "public"), "output `folder` for the static site (env PORTAL_OUT)"),
		data:   fs.String("data", envDefault(getenv, "data", ".portal"), "data `folder`: the Hugo project and catalog.json (env PORTAL_DATA)"),
	}
}

// build builds the site and returns its summary, with the catalog checked
// (catalog.Validate), and catalog.json.
func (f siteFlags) build(ctx context.Context, stderr io.Writer) (generator.Summary, []byte, error) {
	// The build reports progress from several goroutines at once, and
	// Main's writers may be plain buffers.
	lw := &syncio.Writer{W: stderr}
	b, err := generator.NewBuilder(generator.Options{Config: *f.config, Out: *f.out, Data: *f.data, Progress: lw, HugoLog: lw})
	if err != nil {
		return generator.Summary{}, nil, err
	}
	defer b.Close()
	sum, err := b.Build(ctx)
	if err != nil {
		return sum, nil, err
	}
	if err := sum.Catalog.Validate(); err != nil {
		return sum, nil, err
	}
	raw, err := sum.Catalog.Encode()
	return sum, raw, err
}

// awsFlags choose the AWS account and region of the deploy commands.
type awsFlags struct{ region, profile *string }

// addAWSFlags adds --region (of what, e.g. " of the table") and --profile.
func addAWSFlags(fs *flag.FlagSet, of string) awsFlags {
	return awsFlags{
		region:  fs.String("region", "", "AWS `region`"+of+" (default: your AWS configuration's)"),
		profile: fs.String("profile", "", "AWS shared configuration `profile`"),
	}
}

// config loads the AWS configuration the flags choose.
func (f awsFlags) config(ctx context.Context) (aws.Config, error) {
	return awsConfig(ctx, *f.profile, *f.region)
}

func awsConfig(ctx context.Context, profile, region string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return cfg, errors.New("no AWS region: pass --region (or set AWS_REGION, or a region in your AWS profile)")
	}
	return cfg, nil
}

func runDeployAWS(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlags("deploy aws", "Build the portal and deploy it to AWS as one CloudFormation stack, with your usual AWS\ncredentials. Idempotent: run it again to update; only what changed is sent.", stderr)
	site := addSiteFlags(fs, getenv)
	stack := fs.String("stack", "portal", "CloudFormation stack `name`")
	account := addAWSFlags(fs, "")
	domain := fs.String("domain", "", "the portal's own `host` name, e.g. developer.acme.com")
	cert := fs.String("certificate-arn", "", "an ACM certificate in us-east-1 for --domain (`ARN`)")
	zone := fs.String("hosted-zone-id", "", "the Route 53 zone of --domain (`ID`): the stack requests and validates the certificate and adds the alias records")
	mailFrom := fs.String("mail-from", getenv("PORTAL_MAIL_FROM"), "the `From` of the portal's mail, e.g. 'Acme APIs <portal@acme.com>'; its domain becomes an SES identity (env PORTAL_MAIL_FROM)")
	dryRun := fs.Bool("dry-run", false, "print the plan; touch nothing on AWS")
	templateOut := fs.String("template-out", "", "write the CloudFormation template to `file` and touch nothing on AWS")
	destroy := fs.Bool("destroy", false, "remove the stack and the site; the table is kept")
	rotate := fs.Bool("rotate-gate-key", false, "replace the access-cookie key (in the table and the KeyValueStore): every access cookie signed with the old one stops working")
	source := fs.String("source", "", "the portal's source `folder`, where the functions are built from (default: the module around the current folder)")
	if code, ok := parse(fs, args, stdout); !ok {
		return code
	}
	if *destroy {
		cfg, err := account.config(ctx)
		if err != nil {
			return fail(stderr, err)
		}
		table, err := deploy.DestroyAWS(ctx, deploy.NewAWS(cfg, deploy.Endpoints{}), *stack, stderr, 0)
		if err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "removed stack %s; the table %s is kept (DeletionPolicy Retain) with its developers, applications and keys.\nDelete it when you mean to: aws dynamodb delete-table --table-name %s\n", *stack, table, table)
		return exitOK
	}

	// Mistakes first, before the build.
	if err := (cloudformation.Options{GateFunction: "-", Domain: *domain, CertificateARN: *cert, HostedZoneID: *zone}).Check(); err != nil {
		return fail(stderr, err)
	}
	if *mailFrom == "" && (*templateOut == "" || *dryRun) {
		return fail(stderr, errors.New("--mail-from is required: the From of the portal's mail, e.g. --mail-from 'Acme APIs <portal@acme.com>'"))
	}
	sum, raw, err := site.build(ctx, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	cat := sum.Catalog
	gate, err := edge.CloudFrontFunction(cat.Gate)
	if err != nil {
		return fail(stderr, err)
	}
	topts := cloudformation.Options{GateFunction: gate, Domain: *domain, CertificateARN: *cert, HostedZoneID: *zone, CSP: sum.CSP}
	tpl, err := cloudformation.JSON(topts)
	if err != nil {
		return fail(stderr, err)
	}
	if *templateOut != "" {
		if err := os.WriteFile(*templateOut, append(tpl, '\n'), 0o644); err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stderr, "template: %s (%d bytes, %d private path rule(s) in the gate)\n", *templateOut, len(tpl), len(cat.Gate))
	}
	if *templateOut != "" && !*dryRun {
		return exitOK
	}
	if *source == "" {
		*source = "."
	}
	abs, err := filepath.Abs(*source)
	if err != nil {
		return fail(stderr, err)
	}
	root, err := deploy.ModuleRoot(abs)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintln(stderr, "functions: building portal-api and portal-authorizer for Lambda (linux/arm64)")
	fns, err := deploy.BuildFunctions(ctx, root)
	if err != nil {
		return fail(stderr, err)
	}
	opts := deploy.AWSOptions{
		Stack: *stack, Region: *account.region, Template: topts, Site: *site.out, Catalog: raw, Functions: fns,
		PortalName: cat.Portal.Name, DisplayName: cat.Portal.DisplayName, MailFrom: *mailFrom, Progress: stderr,
		RotateGateKey: *rotate,
	}
	if *dryRun {
		return printPlan(stdout, opts, sum, len(tpl))
	}
	cfg, err := account.config(ctx)
	if err != nil {
		return fail(stderr, err)
	}
	opts.Region = cfg.Region
	res, err := deploy.DeployAWS(ctx, deploy.NewAWS(cfg, deploy.Endpoints{}), opts)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintln(stdout, res.URL)
	return exitOK
}

// printPlan says what a deploy would do, without asking AWS anything.
func printPlan(stdout io.Writer, o deploy.AWSOptions, sum generator.Summary, tplBytes int) int {
	fmt.Fprintf(stdout, "plan (dry run: nothing was sent to AWS)\n")
	fmt.Fprintf(stdout, "  stack       %s in %s: create or update (template %d bytes)\n", o.Stack, cmp.Or(o.Region, "your configured region"), tplBytes)
	for _, f := range o.Functions {
		fmt.Fprintf(stdout, "  function    %-18s zip %6d KB  sha256 %x…\n", f.Name, len(f.Zip)/1024, sha256Sum(f.Zip)[:8])
	}
	fmt.Fprintf(stdout, "  site        %s: %d page(s), %s, synced to the stack's bucket (changed files only)\n", o.Site, sum.Pages, bytesize(sum.Bytes))
	fmt.Fprintf(stdout, "  catalog     %d API(s) published to the stack's table\n", sum.APIs)
	fmt.Fprintf(stdout, "  gate        the table's access key copied to the KeyValueStore\n")
	if o.Template.Domain != "" {
		fmt.Fprintf(stdout, "  domain      https://%s\n", o.Template.Domain)
	}
	fmt.Fprintf(stdout, "  mail        SES identity %s\n", o.MailFrom)
	return exitOK
}

func runDeployNetlify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlags("deploy netlify", "--table: create the portal's DynamoDB table (as the AWS deploy defines it), publish the\ncatalog, make the first admin token and print the variables to set on the Netlify site.\n--build: what netlify.toml's build command runs (the site and the gate's edge function).", stderr)
	site := addSiteFlags(fs, getenv)
	table := fs.String("table", "", "the DynamoDB `table` to create or reuse")
	account := addAWSFlags(fs, " of the table")
	build := fs.Bool("build", false, "build the site and write the gate's edge function (Netlify's build step)")
	edgeDir := fs.String("edge-functions", filepath.Join("netlify", "edge-functions"), "where the edge function goes (`folder`; netlify.toml's edge_functions)")
	if code, ok := parse(fs, args, stdout); !ok {
		return code
	}
	if *build == (*table != "") {
		fmt.Fprintf(stderr, "portal deploy netlify: give --table NAME or --build\n\n%s", deployUsage)
		return exitUsage
	}
	sum, raw, err := site.build(ctx, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	cat := sum.Catalog
	if *build {
		if err := edge.WriteNetlify(*edgeDir, cat.Gate); err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stderr, "gate: %s/%s.js (%d private path rule(s))\n", *edgeDir, deploy.NetlifyEdgeFunction, len(cat.Gate))
		return exitOK
	}
	cfg, err := account.config(ctx)
	if err != nil {
		return fail(stderr, err)
	}
	db := dynamodb.NewFromConfig(cfg)
	arn, _, err := deploy.EnsureTable(ctx, db, *table, stderr, 2*time.Second)
	if err != nil {
		return fail(stderr, err)
	}
	store := dynamostore.New(db, *table)
	n, err := publish.Publish(ctx, store, raw, time.Now())
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stderr, "catalog: %d API change(s) published to table %s\n", n, *table)
	candidate := make([]byte, 32)
	if _, err := rand.Read(candidate); err != nil {
		return fail(stderr, err)
	}
	key, err := deploy.DynamoStore(db, *table).AccessKey(ctx, candidate)
	if err != nil {
		return fail(stderr, err)
	}
	tok, _, err := httpapi.CreateAdminToken(ctx, store, "netlify deploy", time.Now())
	if err != nil {
		return fail(stderr, err)
	}
	url := cmp.Or(cat.Portal.URL, "https://<your site>.netlify.app")
	fmt.Fprintf(stdout, `# Set these on the Netlify site (Site configuration > Environment variables),
# then deploy it (git push, or netlify deploy --build --prod).
PORTAL_TABLE=%s
PORTAL_DYNAMODB_REGION=%s
PORTAL_DYNAMODB_ACCESS_KEY_ID=<an IAM user's access key with the policy below>
PORTAL_DYNAMODB_SECRET_ACCESS_KEY=<its secret>
PORTAL_BASE_URL=%s
PORTAL_NAME=%s
PORTAL_DISPLAY_NAME=%s
PORTAL_MAIL_FROM=<the From of the portal's mail, e.g. %s APIs <portal@example.com>>
PORTAL_SMTP_HOST=<your SMTP server; or leave out for SES, and add ses:SendEmail to the policy>
PORTAL_SMTP_USERNAME=<…>
PORTAL_SMTP_PASSWORD=<…>
PORTAL_ACCESS_KEY=%s

# The IAM policy of that access key: the table, nothing else.
%s

# The first admin token (shown once; keep it):
PORTAL_ADMIN_TOKEN=%s
`, *table, cfg.Region, url, cat.Portal.Name, cat.Portal.DisplayName, strings.TrimSpace(cat.Portal.DisplayName), base64.StdEncoding.EncodeToString(key), deploy.NetlifyPolicy(arn), tok)
	return exitOK
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}
