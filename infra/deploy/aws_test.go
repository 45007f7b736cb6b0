package deploy

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/portal-dev/portal/functions/catalog"
	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/functions/dynamostore/dynamolocal"
	gateedge "github.com/portal-dev/portal/generator/edge"
	"github.com/portal-dev/portal/infra/cloudformation"
	"github.com/portal-dev/portal/internal/testfiles"
)

// server is the one DynamoDB Local of this test binary: publishing the
// catalog and the gate key run against a real DynamoDB-compatible server.
var server *dynamolocal.Server

func TestMain(m *testing.M) { dynamolocal.Main(m, &server) }

// world is one deploy's surroundings: DynamoDB Local, an S3 stand-in
// (gofakes3: a fake, in memory, that speaks S3's REST API) and the
// recorded-shape stand-ins of CloudFormation, STS, CloudFront and the
// KeyValueStore.
type world struct {
	mu    sync.Mutex
	puts  map[string]http.Header // "bucket/key" → the PutObject's headers
	aws   AWS
	cfn   *fakeCFN
	cf    *fakeCloudFront
	kvs   *fakeKVS
	s3    *s3.Client
	table string
}

func setup(t *testing.T) *world {
	t.Helper()
	backend := s3mem.New()
	w := &world{table: server.NewTable(t), cf: &fakeCloudFront{}, kvs: &fakeKVS{items: map[string]string{}}, puts: map[string]http.Header{}}
	w.cfn = &fakeCFN{t: t, backend: backend, table: w.table, siteBucket: "portal-sitebucket-1a2b3c4d"}
	cfg := aws.Config{
		// DynamoDB Local keeps tables per access key and region: these are
		// the ones its tables were made with.
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:  awshttp.NewBuildableClient(), // AWS_CA_BUNDLE may be set
	}
	w.aws = NewAWS(cfg, Endpoints{
		CloudFormation: serve(t, w.cfn),
		S3:             serve(t, w.recordPuts(gofakes3.New(backend).Server())),
		CloudFront:     serve(t, w.cf),
		STS:            serve(t, http.HandlerFunc(fakeSTS)),
		DynamoDB:       server.URL,
	})
	w.s3 = w.aws.S3.(*s3.Client)
	// The KeyValueStore's endpoint rules put the account in the host name
	// (123456789012.<endpoint>) even for a given endpoint: its client
	// dials the stand-in whatever the name.
	kvsURL := serve(t, w.kvs)
	addr := strings.TrimPrefix(kvsURL, "http://")
	kcfg := cfg.Copy()
	kcfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}
	})
	w.aws.KeyValueStore = NewAWS(kcfg, Endpoints{KeyValueStore: kvsURL}).KeyValueStore
	return w
}

// recordPuts notes each object upload's headers as they went over the
// wire (gofakes3 keeps Content-Type but not Cache-Control).
func (w *world) recordPuts(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.Count(strings.Trim(r.URL.Path, "/"), "/") >= 1 {
			w.mu.Lock()
			w.puts[strings.Trim(r.URL.Path, "/")] = r.Header.Clone()
			w.mu.Unlock()
		}
		h.ServeHTTP(rw, r)
	})
}

// site writes a small built site.
func site(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	testfiles.Tree(t, dir, files)
	return dir
}

var testCatalog = func() []byte {
	b, _ := catalog.Catalog{
		Portal: catalog.Portal{Name: "acme", DisplayName: "Acme APIs"},
		APIs: []catalog.API{{ID: "acme-httpbin", Slug: "httpbin", Name: "httpbin", Version: "1.0", Visibility: "public", SpecType: "openapi", SpecVersion: "3.1.0",
			AuthStrategy: &catalog.AuthStrategy{Type: catalog.AuthKey, KeyNames: []string{"apikey"}}}},
		Gate: []catalog.GateRule{{Prefix: "/internal/", Need: catalog.NeedPages}},
	}.Encode()
	return b
}()

func (w *world) options(t *testing.T, dir string, api []byte, progress *bytes.Buffer) AWSOptions {
	gate, err := gateedge.CloudFront([]catalog.GateRule{{Prefix: "/internal/", Need: catalog.NeedPages}})
	if err != nil {
		t.Fatal(err)
	}
	return AWSOptions{
		Stack: "acme-portal", Region: "us-east-1",
		Template:   cloudformation.Options{GateFunction: gate},
		Site:       dir,
		Catalog:    testCatalog,
		Functions:  []Function{{Name: "portal-api", Zip: api}, {Name: "portal-authorizer", Zip: []byte("authorizer zip")}},
		PortalName: "acme", DisplayName: "Acme APIs", MailFrom: "Acme APIs <portal@acme.com>",
		Progress: progress, Poll: time.Millisecond,
	}
}

func (w *world) head(t *testing.T, bucket, key string) *s3.HeadObjectOutput {
	t.Helper()
	out, err := w.s3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatalf("head s3://%s/%s: %v", bucket, key, err)
	}
	return out
}

// TestDeployAWS deploys a portal three times and destroys it: the first
// deploy creates everything; the second, with one page changed and one
// gone, sends only those and invalidates only their paths; the third, with
// new function code, updates the stack with a new code key; --destroy
// empties the bucket, deletes the stack and keeps the table.
func TestDeployAWS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := setup(t)
	files := map[string]string{
		"index.html":                        "<h1>Acme</h1>",
		"404.html":                          "<h1>Not found</h1>",
		"apis/httpbin/index.html":           "<h1>httpbin</h1>",
		"internal/handbook/index.html":      "<h1>Private</h1>",
		"_portal/assets/app.3f2a9c1e.js":    "console.log(1)",
		"_portal/assets/style.a1b2c3d4.css": "body{}",
		"js/user.js":                        "// a user's own static file",
		"catalog/search.json":               "{}",
	}
	dir := site(t, files)
	var progress bytes.Buffer

	// 1. Create.
	res, err := DeployAWS(ctx, w.aws, w.options(t, dir, []byte("api zip v1"), &progress))
	if err != nil {
		t.Fatalf("first deploy: %v\n%s", err, progress.String())
	}
	t.Logf("first deploy:\n%s", progress.String())
	if !res.Created || res.URL != "https://d111111abcdef8.cloudfront.net" {
		t.Errorf("first deploy: created %v, URL %q", res.Created, res.URL)
	}
	for _, line := range []string{"functions: portal-api uploaded", "stack acme-portal: creating", "stack acme-portal: CREATE_COMPLETE", "gate: key written", "catalog: 1 API change(s) published", "site: 8 file(s), 8 uploaded, 0 deleted", "portal: https://d111111abcdef8.cloudfront.net", "mail: publish these DNS records for acme.com"} {
		if !strings.Contains(progress.String(), line) {
			t.Errorf("progress lacks %q", line)
		}
	}
	if len(w.cf.paths) != 0 {
		t.Errorf("a new distribution was invalidated: %v", w.cf.paths)
	}
	// The template sent is the one the spec test checks, with the gate.
	var tpl map[string]any
	if err := json.Unmarshal([]byte(w.cfn.template), &tpl); err != nil {
		t.Fatal(err)
	}
	if code := tpl["Resources"].(map[string]any)["GateFunction"].(map[string]any)["Properties"].(map[string]any)["FunctionCode"].(string); !strings.Contains(code, "/internal/") {
		t.Errorf("the gate function lacks the build's rules: %s", code)
	}
	artifacts := ArtifactsBucket(testAccount, "us-east-1")
	apiKey := w.cfn.params[cloudformation.ParamAPICodeKey]
	if want := "acme-portal/portal-api-" + sha256Hex([]byte("api zip v1"))[:16] + ".zip"; apiKey != want {
		t.Errorf("ApiCodeKey = %q, want %q", apiKey, want)
	}
	w.head(t, artifacts, apiKey)
	if w.cfn.params[cloudformation.ParamMailDomain] != "acme.com" || w.cfn.params[cloudformation.ParamCodeBucket] != artifacts {
		t.Errorf("parameters = %v", w.cfn.params)
	}
	// Content-Type and Cache-Control of the site's files.
	for key, want := range map[string][2]string{
		"index.html":                     {"text/html; charset=utf-8", "no-cache"},
		"_portal/assets/app.3f2a9c1e.js": {"text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		"js/user.js":                     {"text/javascript; charset=utf-8", "no-cache"},
		"internal/handbook/index.html":   {"text/html; charset=utf-8", "private, no-store"},
		"catalog/search.json":            {"application/json", "no-cache"},
	} {
		h := w.head(t, w.cfn.siteBucket, key)
		sent := w.puts[w.cfn.siteBucket+"/"+key]
		if got := [2]string{aws.ToString(h.ContentType), sent.Get("Cache-Control")}; got != want {
			t.Errorf("%s: Content-Type, Cache-Control = %q, want %q", key, got, want)
		}
	}
	// The gate key: the table's, in the KeyValueStore.
	key, err := DynamoStore(server.Client(), w.table).AccessKey(ctx, nil)
	if err != nil || len(key) != 32 {
		t.Fatalf("the table's access key = %x, %v", key, err)
	}
	if got := w.kvs.items[cloudformation.KVSAccessKey]; got != base64.StdEncoding.EncodeToString(key) {
		t.Errorf("KeyValueStore access-key = %q, want the table's key", got)
	}
	apis, err := dynamostore.New(server.Client(), w.table).ListAPIs(ctx)
	if err != nil || len(apis) != 1 || apis[0].Slug != "httpbin" {
		t.Errorf("published APIs = %v, %v", apis, err)
	}

	// 2. One page changed, one gone, nothing else.
	if err := os.WriteFile(filepath.Join(dir, "apis", "httpbin", "index.html"), []byte("<h1>httpbin v2</h1>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "js", "user.js")); err != nil {
		t.Fatal(err)
	}
	progress.Reset()
	res, err = DeployAWS(ctx, w.aws, w.options(t, dir, []byte("api zip v1"), &progress))
	if err != nil {
		t.Fatalf("second deploy: %v\n%s", err, progress.String())
	}
	t.Logf("second deploy:\n%s", progress.String())
	if diff := cmp.Diff([]string{"apis/httpbin/index.html"}, res.Uploaded); diff != "" {
		t.Errorf("uploaded (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"js/user.js"}, res.Deleted); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{"/apis/httpbin/", "/apis/httpbin/index.html", "/js/user.js"}}, w.cf.paths); diff != "" {
		t.Errorf("invalidations (-want +got):\n%s", diff)
	}
	for _, line := range []string{"functions: portal-api unchanged", "stack acme-portal: unchanged", "gate: key unchanged", "catalog: 0 API change(s)"} {
		if !strings.Contains(progress.String(), line) {
			t.Errorf("second deploy's progress lacks %q", line)
		}
	}
	if w.kvs.puts != 1 {
		t.Errorf("the KeyValueStore was written %d times, want once", w.kvs.puts)
	}

	// 3. New function code: a new key, so the stack updates; and a new
	// gate key, in the table and the KeyValueStore.
	progress.Reset()
	o := w.options(t, dir, []byte("api zip v2"), &progress)
	o.RotateGateKey = true
	if _, err := DeployAWS(ctx, w.aws, o); err != nil {
		t.Fatalf("third deploy: %v\n%s", err, progress.String())
	}
	rotated, err := DynamoStore(server.Client(), w.table).AccessKey(ctx, nil)
	if err != nil || bytes.Equal(rotated, key) || w.kvs.items[cloudformation.KVSAccessKey] != base64.StdEncoding.EncodeToString(rotated) {
		t.Errorf("after rotation: table key changed %v, KeyValueStore has it %v (%v)", !bytes.Equal(rotated, key), w.kvs.items[cloudformation.KVSAccessKey] == base64.StdEncoding.EncodeToString(rotated), err)
	}
	if got := w.cfn.params[cloudformation.ParamAPICodeKey]; got == apiKey || !strings.Contains(progress.String(), "stack acme-portal: UPDATE_COMPLETE") {
		t.Errorf("new code: ApiCodeKey %q (was %q); progress:\n%s", got, apiKey, progress.String())
	}

	// 4. Destroy.
	progress.Reset()
	table, err := DestroyAWS(ctx, w.aws, "acme-portal", &progress, time.Millisecond)
	if err != nil {
		t.Fatalf("destroy: %v\n%s", err, progress.String())
	}
	t.Logf("destroy:\n%s", progress.String())
	if table != w.table || w.cfn.exists {
		t.Errorf("destroy: table %q (want %q), stack exists %v", table, w.table, w.cfn.exists)
	}
	left, err := w.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &w.cfn.siteBucket})
	if err != nil || len(left.Contents) != 0 {
		t.Errorf("site bucket after destroy: %d objects, %v", len(left.Contents), err)
	}
	if _, err := server.Client().DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &w.table}); err != nil {
		t.Errorf("the table is gone after destroy: %v", err)
	}
	if !slices.Contains(w.cfn.calls, "DeleteStack") {
		t.Errorf("no DeleteStack: %v", w.cfn.calls)
	}
}

// TestDeployAWSFailure: a failed create names the failed resource and
// AWS's reason; the stack deleted itself, so the next deploy, the cause
// fixed, creates it afresh.
func TestDeployAWSFailure(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.cfn.failCreate = true
	var progress bytes.Buffer
	_, err := DeployAWS(context.Background(), w.aws, w.options(t, site(t, map[string]string{"index.html": "x"}), []byte("zip"), &progress))
	if err == nil || !strings.Contains(err.Error(), "failed to create and was deleted") || !strings.Contains(err.Error(), "Distribution (AWS::CloudFront::Distribution): Resource handler returned message") {
		t.Fatalf("failed create: %v", err)
	}
	w.cfn.failCreate = false
	res, err := DeployAWS(context.Background(), w.aws, w.options(t, site(t, map[string]string{"index.html": "x"}), []byte("zip"), &progress))
	if err != nil || !res.Created {
		t.Errorf("deploy after a failed create: %v", err)
	}
}

// TestDeployAWSChecks: mistakes are caught before anything is sent.
func TestDeployAWSChecks(t *testing.T) {
	t.Parallel()
	w := setup(t)
	for name, tc := range map[string]struct {
		edit func(o *AWSOptions)
		want string
	}{
		"mail from": {func(o *AWSOptions) { o.MailFrom = "portal" }, "--mail-from"},
		"zone not us-east": {func(o *AWSOptions) {
			o.Region, o.Template.Domain, o.Template.HostedZoneID = "eu-west-1", "developer.acme.com", "Z1"
		}, "us-east-1"},
		"domain alone": {func(o *AWSOptions) { o.Template.Domain = "developer.acme.com" }, "--certificate-arn"},
	} {
		o := w.options(t, t.TempDir(), []byte("zip"), nil)
		tc.edit(&o)
		if _, err := DeployAWS(context.Background(), w.aws, o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", name, err, tc.want)
		}
	}
	if len(w.cfn.calls) != 0 {
		t.Errorf("CloudFormation was called: %v", w.cfn.calls)
	}
}

func TestInvalidationPaths(t *testing.T) {
	t.Parallel()
	if diff := cmp.Diff([]string{"/", "/a/", "/a/index.html", "/index.html", "/x.css"}, InvalidationPaths([]string{"index.html", "a/index.html", "x.css"})); diff != "" {
		t.Errorf("InvalidationPaths (-want +got):\n%s", diff)
	}
	var many []string
	for i := range 101 {
		many = append(many, fmt.Sprintf("p%d.html", i))
	}
	if got := InvalidationPaths(many); !slices.Equal(got, []string{"/*"}) {
		t.Errorf("InvalidationPaths(101 keys) = %v, want /*", got)
	}
}
