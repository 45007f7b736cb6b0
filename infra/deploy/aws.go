// Package deploy puts a built portal on AWS (one CloudFormation stack, the
// site synced to S3, the catalog published, the gate key in CloudFront's
// KeyValueStore) or prepares its Netlify site (the table, the catalog, the
// first admin token, the gate's edge function).
package deploy

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvs "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/portal-dev/portal/functions/catalog"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/publish"
	"github.com/portal-dev/portal/infra/cloudformation"
)

// CloudFormation is the part of the CloudFormation client a deploy uses.
type CloudFormation interface {
	DescribeStacks(ctx context.Context, in *cfn.DescribeStacksInput, opts ...func(*cfn.Options)) (*cfn.DescribeStacksOutput, error)
	CreateStack(ctx context.Context, in *cfn.CreateStackInput, opts ...func(*cfn.Options)) (*cfn.CreateStackOutput, error)
	UpdateStack(ctx context.Context, in *cfn.UpdateStackInput, opts ...func(*cfn.Options)) (*cfn.UpdateStackOutput, error)
	DeleteStack(ctx context.Context, in *cfn.DeleteStackInput, opts ...func(*cfn.Options)) (*cfn.DeleteStackOutput, error)
	DescribeStackEvents(ctx context.Context, in *cfn.DescribeStackEventsInput, opts ...func(*cfn.Options)) (*cfn.DescribeStackEventsOutput, error)
}

// S3 is the part of the S3 client a deploy uses.
type S3 interface {
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	CreateBucket(ctx context.Context, in *s3.CreateBucketInput, opts ...func(*s3.Options)) (*s3.CreateBucketOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, opts ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
}

// CloudFront is the part of the CloudFront client a deploy uses.
type CloudFront interface {
	CreateInvalidation(ctx context.Context, in *cloudfront.CreateInvalidationInput, opts ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error)
}

// KeyValueStore is the part of the KeyValueStore data-plane client a
// deploy uses.
type KeyValueStore interface {
	DescribeKeyValueStore(ctx context.Context, in *kvs.DescribeKeyValueStoreInput, opts ...func(*kvs.Options)) (*kvs.DescribeKeyValueStoreOutput, error)
	GetKey(ctx context.Context, in *kvs.GetKeyInput, opts ...func(*kvs.Options)) (*kvs.GetKeyOutput, error)
	PutKey(ctx context.Context, in *kvs.PutKeyInput, opts ...func(*kvs.Options)) (*kvs.PutKeyOutput, error)
}

// STS tells the account, which names the artifacts bucket.
type STS interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// KeyStore holds the key that signs access cookies: AccessKey returns
// the stored key, storing candidate first when there is none;
// SetAccessKey replaces it (rotation).
type KeyStore interface {
	AccessKey(ctx context.Context, candidate []byte) ([]byte, error)
	SetAccessKey(ctx context.Context, key []byte, ev portal.AuditEvent) error
}

// AWS is what a deploy talks to.
type AWS struct {
	CloudFormation CloudFormation
	S3             S3
	CloudFront     CloudFront
	KeyValueStore  KeyValueStore
	STS            STS
	// Store opens the portal's store on the stack's table: the catalog is
	// published there, and the gate key comes from it.
	Store func(table string) (Store, error)
}

// Store is what a deploy needs of the portal's store.
type Store interface {
	publish.Store
	KeyStore
}

// Function is a Lambda function's zip.
type Function struct {
	Name string // portal-api, portal-authorizer
	Zip  []byte
}

// AWSOptions are one deploy's inputs.
type AWSOptions struct {
	Stack, Region string
	Template      cloudformation.Options
	// Site is the built site's folder; Catalog the build's catalog.json.
	Site    string
	Catalog []byte
	// Functions are portal-api and portal-authorizer.
	Functions               []Function
	PortalName, DisplayName string
	MailFrom                string // "Acme APIs <portal@acme.com>"
	Progress                io.Writer
	// RotateGateKey replaces the table's access key with a new one before
	// it is copied to the KeyValueStore: every access cookie signed with
	// the old key stops working.
	RotateGateKey bool
	// Poll is how often the stack's status is read (default 5 s).
	Poll time.Duration
	Now  func() time.Time
}

// Result is what a deploy leaves.
type Result struct {
	URL     string
	Outputs map[string]string
	Created bool // the stack was created (not updated)
	// Uploaded and Deleted are the site's changed keys; Invalidated the
	// paths invalidated.
	Uploaded, Deleted, Invalidated []string
	Published                      int
}

// ArtifactsBucket names the bucket of an account's function zips in a
// region (made by the first deploy: the stack's functions need their code
// before the stack exists).
func ArtifactsBucket(account, region string) string {
	return "portal-artifacts-" + account + "-" + region
}

// MailDomain is the domain of a From address.
func MailDomain(from string) (string, error) {
	addr := from
	if i := strings.LastIndex(from, "<"); i >= 0 {
		addr = strings.TrimSuffix(strings.TrimSpace(from[i+1:]), ">")
	}
	_, domain, ok := strings.Cut(addr, "@")
	if !ok || domain == "" || strings.ContainsAny(domain, " <>@") {
		return "", fmt.Errorf("--mail-from %q is not an address like 'Acme APIs <portal@acme.com>'", from)
	}
	return strings.ToLower(domain), nil
}

func (o *AWSOptions) logf(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

// DeployAWS creates or updates the stack and fills it: functions' code,
// stack, gate key, catalog, site, invalidation. It can be run again at no
// cost: what did not change is not sent.
func DeployAWS(ctx context.Context, c AWS, o AWSOptions) (*Result, error) {
	if o.Poll == 0 {
		o.Poll = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	mailDomain, err := MailDomain(o.MailFrom)
	if err != nil {
		return nil, err
	}
	if o.Template.Domain != "" && o.Template.CertificateARN == "" && o.Region != "us-east-1" {
		return nil, fmt.Errorf("--hosted-zone-id: the stack requests the certificate in its own region, and CloudFront takes them from us-east-1 only; deploy with --region us-east-1, or request one there and pass --certificate-arn")
	}
	body, err := cloudformation.JSON(o.Template)
	if err != nil {
		return nil, err
	}

	// 1. The functions' code, keyed by content.
	id, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("AWS credentials: %w", err)
	}
	bucket := ArtifactsBucket(aws.ToString(id.Account), o.Region)
	if err := ensureBucket(ctx, c.S3, bucket, o.Region); err != nil {
		return nil, err
	}
	keys := map[string]string{}
	for _, f := range o.Functions {
		key := o.Stack + "/" + f.Name + "-" + sha256Hex(f.Zip)[:16] + ".zip"
		keys[f.Name] = key
		if _, err := c.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key}); err == nil {
			o.logf("functions: %s unchanged (s3://%s/%s)", f.Name, bucket, key)
			continue
		} else if !notFound(err) {
			return nil, fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
		}
		if _, err := c.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytesReader(f.Zip), ContentType: aws.String("application/zip")}); err != nil {
			return nil, fmt.Errorf("upload %s: %w", f.Name, err)
		}
		o.logf("functions: %s uploaded, %d KB (s3://%s/%s)", f.Name, len(f.Zip)/1024, bucket, key)
	}

	// 2. The stack.
	params := []cfntypes.Parameter{
		param(cloudformation.ParamPortalName, o.PortalName),
		param(cloudformation.ParamPortalDisplayName, o.DisplayName),
		param(cloudformation.ParamMailFrom, o.MailFrom),
		param(cloudformation.ParamMailDomain, mailDomain),
		param(cloudformation.ParamCodeBucket, bucket),
		param(cloudformation.ParamAPICodeKey, keys["portal-api"]),
		param(cloudformation.ParamAuthorizerCodeKey, keys["portal-authorizer"]),
	}
	existing, err := describe(ctx, c.CloudFormation, o.Stack)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	since := o.Now()
	ref := o.Stack // the stack's name, or its id once known
	switch {
	case existing == nil:
		o.logf("stack %s: creating (CloudFront takes 5 to 15 minutes the first time)", o.Stack)
		// A failed create deletes itself (so the next run starts afresh);
		// its id still reads it and its events after that.
		out, err := c.CloudFormation.CreateStack(ctx, &cfn.CreateStackInput{
			StackName: &o.Stack, TemplateBody: aws.String(string(body)), Parameters: params,
			Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
			OnFailure:    cfntypes.OnFailureDelete,
			Tags:         []cfntypes.Tag{{Key: aws.String("portal"), Value: aws.String(o.PortalName)}},
		})
		if err != nil {
			return nil, fmt.Errorf("create stack %s: %w", o.Stack, err)
		}
		ref = aws.ToString(out.StackId)
		res.Created = true
	case existing.StackStatus == cfntypes.StackStatusRollbackComplete:
		return nil, fmt.Errorf("stack %s failed to create before and must go first: portal deploy aws --destroy --stack %s", o.Stack, o.Stack)
	case strings.HasSuffix(string(existing.StackStatus), "_IN_PROGRESS"):
		return nil, fmt.Errorf("stack %s is busy (%s); run again when it is done", o.Stack, existing.StackStatus)
	default:
		o.logf("stack %s: updating", o.Stack)
		_, err := c.CloudFormation.UpdateStack(ctx, &cfn.UpdateStackInput{
			StackName: &o.Stack, TemplateBody: aws.String(string(body)), Parameters: params,
			Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
		})
		var ae smithy.APIError
		if errors.As(err, &ae) && strings.Contains(ae.ErrorMessage(), "No updates are to be performed") {
			o.logf("stack %s: unchanged", o.Stack)
		} else if err != nil {
			return nil, fmt.Errorf("update stack %s: %w", o.Stack, err)
		}
	}
	stack, err := wait(ctx, c.CloudFormation, o, ref, since)
	if err != nil {
		return nil, err
	}
	res.Outputs = map[string]string{}
	for _, out := range stack.Outputs {
		res.Outputs[aws.ToString(out.OutputKey)] = aws.ToString(out.OutputValue)
	}
	for _, k := range []string{cloudformation.OutTable, cloudformation.OutSiteBucket, cloudformation.OutDistributionID, cloudformation.OutKeyValueStore, cloudformation.OutPortalURL} {
		if res.Outputs[k] == "" {
			return nil, fmt.Errorf("stack %s has no output %s; is it a portal stack?", o.Stack, k)
		}
	}
	res.URL = res.Outputs[cloudformation.OutPortalURL]

	// 3. The gate key: the table's (the functions read it there), copied
	// to the KeyValueStore (the CloudFront Function reads it there).
	store, err := c.Store(res.Outputs[cloudformation.OutTable])
	if err != nil {
		return nil, err
	}
	candidate := make([]byte, 32)
	if _, err := rand.Read(candidate); err != nil {
		return nil, err
	}
	if o.RotateGateKey {
		now := o.Now().UTC()
		ev := portal.AuditEvent{ID: fmt.Sprintf("deploy-%d", now.UnixNano()), At: now, Actor: "cli", Action: "access_key.rotated", Subject: "access-key"}
		if err := store.SetAccessKey(ctx, candidate, ev); err != nil {
			return nil, fmt.Errorf("rotate the gate key in table %s: %w", res.Outputs[cloudformation.OutTable], err)
		}
		o.logf("gate: new key in table %s", res.Outputs[cloudformation.OutTable])
	}
	key, err := store.AccessKey(ctx, candidate)
	if err != nil {
		return nil, fmt.Errorf("the gate key in table %s: %w", res.Outputs[cloudformation.OutTable], err)
	}
	if err := putGateKey(ctx, c.KeyValueStore, res.Outputs[cloudformation.OutKeyValueStore], base64.StdEncoding.EncodeToString(key), o); err != nil {
		return nil, err
	}

	// 4. The catalog.
	n, err := publish.Publish(ctx, store, o.Catalog, o.Now())
	if err != nil {
		return nil, fmt.Errorf("publish the catalog to %s: %w", res.Outputs[cloudformation.OutTable], err)
	}
	res.Published = n
	o.logf("catalog: %d API change(s) published to table %s", n, res.Outputs[cloudformation.OutTable])

	// 5. The site, then what CloudFront must fetch again.
	cat, err := catalog.Decode(o.Catalog)
	if err != nil {
		return nil, err
	}
	res.Uploaded, res.Deleted, err = Sync(ctx, c.S3, res.Outputs[cloudformation.OutSiteBucket], o.Site, cat.Gate, o.Progress)
	if err != nil {
		return nil, err
	}
	if !res.Created {
		res.Invalidated = InvalidationPaths(append(append([]string{}, res.Uploaded...), res.Deleted...))
	}
	if len(res.Invalidated) > 0 {
		ref := fmt.Sprintf("portal-%d", o.Now().UnixNano())
		if _, err := c.CloudFront.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
			DistributionId: aws.String(res.Outputs[cloudformation.OutDistributionID]),
			InvalidationBatch: &cftypes.InvalidationBatch{
				CallerReference: &ref,
				Paths:           &cftypes.Paths{Quantity: aws.Int32(int32(len(res.Invalidated))), Items: res.Invalidated},
			},
		}); err != nil {
			return nil, fmt.Errorf("invalidate %d path(s): %w", len(res.Invalidated), err)
		}
		o.logf("cdn: invalidated %d path(s)", len(res.Invalidated))
	}
	o.logf("portal: %s", res.URL)
	if dkim := res.Outputs[cloudformation.OutDKIM]; dkim != "" {
		o.logf("mail: publish these DNS records for %s so SES can send: %s", mailDomain, dkim)
	}
	return res, nil
}

// InvalidationPaths are the CloudFront paths of changed keys: each key,
// and a folder's path for its index.html. Past 100 it is everything (one
// wildcard path is billed as one).
func InvalidationPaths(keys []string) []string {
	seen := map[string]bool{}
	for _, k := range keys {
		seen["/"+k] = true
		if k == "index.html" {
			seen["/"] = true
		} else if dir, ok := strings.CutSuffix(k, "/index.html"); ok {
			seen["/"+dir+"/"] = true
		}
	}
	if len(seen) > 100 {
		return []string{"/*"}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func param(k, v string) cfntypes.Parameter {
	return cfntypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)}
}

// describe returns the stack, or nil when there is none.
func describe(ctx context.Context, c CloudFormation, name string) (*cfntypes.Stack, error) {
	out, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: &name})
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe stack %s: %w", name, err)
	}
	if len(out.Stacks) == 0 {
		return nil, nil
	}
	return &out.Stacks[0], nil
}

// wait polls the stack (by name or id) until no operation is in
// progress, printing each new status; a failure is an error with the
// failed resources' reasons.
func wait(ctx context.Context, c CloudFormation, o AWSOptions, ref string, since time.Time) (*cfntypes.Stack, error) {
	last := cfntypes.StackStatus("")
	for {
		st, err := describe(ctx, c, ref)
		if err != nil {
			return nil, err
		}
		if st == nil {
			return nil, fmt.Errorf("stack %s is gone%s", o.Stack, failures(ctx, c, ref, since))
		}
		if st.StackStatus != last {
			o.logf("stack %s: %s", o.Stack, st.StackStatus)
			last = st.StackStatus
		}
		s := string(st.StackStatus)
		switch {
		case strings.HasSuffix(s, "_IN_PROGRESS"):
		case s == "CREATE_COMPLETE" || s == "UPDATE_COMPLETE" || s == "IMPORT_COMPLETE":
			return st, nil
		case s == "DELETE_COMPLETE":
			return nil, fmt.Errorf("stack %s failed to create and was deleted; fix the cause below and run again%s", o.Stack, failures(ctx, c, ref, since))
		default: // *_FAILED, *ROLLBACK_COMPLETE
			return nil, fmt.Errorf("stack %s: %s: %s%s", o.Stack, s, aws.ToString(st.StackStatusReason), failures(ctx, c, ref, since))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(o.Poll):
		}
	}
}

// failures lists the resources that failed since the operation began
// (stack: a name, or the id of a deleted stack).
func failures(ctx context.Context, c CloudFormation, stack string, since time.Time) string {
	out, err := c.DescribeStackEvents(ctx, &cfn.DescribeStackEventsInput{StackName: &stack})
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, ev := range out.StackEvents {
		if ev.Timestamp != nil && ev.Timestamp.Before(since) {
			continue
		}
		if strings.HasSuffix(string(ev.ResourceStatus), "_FAILED") && !strings.Contains(aws.ToString(ev.ResourceStatusReason), "cancelled") {
			fmt.Fprintf(&b, "\n  %s (%s): %s", aws.ToString(ev.LogicalResourceId), aws.ToString(ev.ResourceType), aws.ToString(ev.ResourceStatusReason))
		}
	}
	return b.String()
}

// putGateKey writes the key to the KeyValueStore unless it is there.
func putGateKey(ctx context.Context, c KeyValueStore, arn, value string, o AWSOptions) error {
	got, err := c.GetKey(ctx, &kvs.GetKeyInput{KvsARN: &arn, Key: aws.String(cloudformation.KVSAccessKey)})
	if err == nil && aws.ToString(got.Value) == value {
		o.logf("gate: key unchanged in the KeyValueStore")
		return nil
	}
	if err != nil && !notFound(err) {
		return fmt.Errorf("read the gate key from %s: %w", arn, err)
	}
	d, err := c.DescribeKeyValueStore(ctx, &kvs.DescribeKeyValueStoreInput{KvsARN: &arn})
	if err != nil {
		return fmt.Errorf("describe %s: %w", arn, err)
	}
	if _, err := c.PutKey(ctx, &kvs.PutKeyInput{KvsARN: &arn, Key: aws.String(cloudformation.KVSAccessKey), Value: &value, IfMatch: d.ETag}); err != nil {
		return fmt.Errorf("write the gate key to %s: %w", arn, err)
	}
	o.logf("gate: key written to the KeyValueStore")
	return nil
}

// notFound reports an AWS "no such thing" answer.
func notFound(err error) bool {
	var nf *s3types.NotFound
	var nsk *s3types.NoSuchKey
	var ae smithy.APIError
	if errors.As(err, &nf) || errors.As(err, &nsk) {
		return true
	}
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NotFound", "NoSuchKey", "NoSuchBucket", "ResourceNotFoundException", "404":
			return true
		}
	}
	return false
}

// ensureBucket makes the artifacts bucket unless it exists.
func ensureBucket(ctx context.Context, c S3, bucket, region string) error {
	_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	if err == nil {
		return nil
	}
	if !notFound(err) {
		return fmt.Errorf("bucket %s: %w", bucket, err)
	}
	in := &s3.CreateBucketInput{Bucket: &bucket}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	// S3 blocks public access and disables ACLs on every new bucket
	// (since April 2023): the zips stay private with nothing more.
	if _, err := c.CreateBucket(ctx, in); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return nil
}

// DestroyAWS empties the site bucket and deletes the stack; the table
// stays (DeletionPolicy Retain), and so do the artifacts bucket's zips of
// other stacks.
func DestroyAWS(ctx context.Context, c AWS, stack string, progress io.Writer, poll time.Duration) (table string, err error) {
	o := AWSOptions{Stack: stack, Progress: progress, Poll: poll, Now: time.Now}
	if o.Poll == 0 {
		o.Poll = 5 * time.Second
	}
	st, err := describe(ctx, c.CloudFormation, stack)
	if err != nil {
		return "", err
	}
	if st == nil {
		return "", fmt.Errorf("there is no stack %s (see --stack)", stack)
	}
	outs := map[string]string{}
	for _, out := range st.Outputs {
		outs[aws.ToString(out.OutputKey)] = aws.ToString(out.OutputValue)
	}
	if b := outs[cloudformation.OutSiteBucket]; b != "" {
		_, deleted, err := Sync(ctx, c.S3, b, "", nil, io.Discard)
		if err != nil {
			return "", err
		}
		o.logf("site: emptied bucket %s (%d file(s))", b, len(deleted))
	}
	since := time.Now()
	if _, err := c.CloudFormation.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: &stack}); err != nil {
		return "", fmt.Errorf("delete stack %s: %w", stack, err)
	}
	o.logf("stack %s: deleting", stack)
	last := ""
	for {
		cur, err := describe(ctx, c.CloudFormation, stack)
		if err != nil {
			return "", err
		}
		if cur == nil || cur.StackStatus == cfntypes.StackStatusDeleteComplete {
			break
		}
		if s := string(cur.StackStatus); s != last {
			o.logf("stack %s: %s", stack, s)
			last = s
		}
		if cur.StackStatus == cfntypes.StackStatusDeleteFailed {
			return "", fmt.Errorf("stack %s: DELETE_FAILED%s", stack, failures(ctx, c.CloudFormation, stack, since))
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(o.Poll):
		}
	}
	o.logf("stack %s: deleted", stack)
	return outs[cloudformation.OutTable], nil
}
