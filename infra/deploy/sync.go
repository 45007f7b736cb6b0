package deploy

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/portal-dev/portal/functions/access"
	"github.com/portal-dev/portal/functions/catalog"
	"github.com/portal-dev/portal/generator/headers"
)

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// CacheControl is the Cache-Control of a site file at key: immutable for
// the theme's fingerprinted assets, never stored for private paths, and
// revalidated (no-cache) for everything else — HTML, and a user's own
// static files, which may change under the same name.
func CacheControl(key string, gate *access.Gate) string {
	p := "/" + key
	if need, ok := gate.Need(p); !ok || need != catalog.NeedNothing {
		return "private, no-store"
	}
	if strings.HasPrefix(p, headers.AssetsPrefix) {
		return "public, max-age=31536000, immutable"
	}
	return "no-cache"
}

// ContentType is the Content-Type of a site file.
func ContentType(key string) string {
	if t := mime.TypeByExtension(path.Ext(key)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// Sync makes the bucket hold exactly the files of dir (an empty dir
// empties it), sending only files whose content changed (S3's ETag of a
// single-part upload is the MD5 of the content) and returning the keys
// uploaded and deleted.
func Sync(ctx context.Context, c S3, bucket, dir string, gate []catalog.GateRule, progress io.Writer) (uploaded, deleted []string, err error) {
	remote := map[string]string{} // key → ETag, unquoted
	var token *string
	for {
		out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket, ContinuationToken: token})
		if err != nil {
			return nil, nil, fmt.Errorf("list s3://%s: %w", bucket, err)
		}
		for _, o := range out.Contents {
			remote[aws.ToString(o.Key)] = strings.Trim(aws.ToString(o.ETag), `"`)
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		token = out.NextContinuationToken
	}
	local := map[string]bool{}
	g := access.NewGate(gate, nil)
	total := 0
	if dir != "" {
		err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			key := filepath.ToSlash(rel)
			local[key] = true
			total++
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := md5.Sum(b)
			if remote[key] == hex.EncodeToString(sum[:]) {
				return nil
			}
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{
				Bucket: &bucket, Key: &key, Body: bytes.NewReader(b),
				ContentType: aws.String(ContentType(key)), CacheControl: aws.String(CacheControl(key, g)),
			}); err != nil {
				return fmt.Errorf("upload %s: %w", key, err)
			}
			uploaded = append(uploaded, key)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	var gone []s3types.ObjectIdentifier
	for key := range remote {
		if !local[key] {
			gone = append(gone, s3types.ObjectIdentifier{Key: aws.String(key)})
			deleted = append(deleted, key)
		}
	}
	for len(gone) > 0 {
		n := min(len(gone), 1000) // DeleteObjects takes 1000 at most
		out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &s3types.Delete{Objects: gone[:n], Quiet: aws.Bool(true)}})
		if err != nil {
			return nil, nil, fmt.Errorf("delete from s3://%s: %w", bucket, err)
		}
		if len(out.Errors) > 0 {
			return nil, nil, fmt.Errorf("delete %s from s3://%s: %s", aws.ToString(out.Errors[0].Key), bucket, aws.ToString(out.Errors[0].Message))
		}
		gone = gone[n:]
	}
	if progress != nil {
		fmt.Fprintf(progress, "site: %d file(s), %d uploaded, %d deleted, %d unchanged (s3://%s)\n", total, len(uploaded), len(deleted), total-len(uploaded), bucket)
	}
	return uploaded, deleted, nil
}
