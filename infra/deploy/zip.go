package deploy

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// FunctionNames are the Lambda functions of a portal, under functions/cmd.
var FunctionNames = []string{"portal-api", "portal-authorizer"}

// BuildFunctions builds each function for Lambda (linux/arm64,
// provided.al2023, a static binary named bootstrap) from the module at
// root, and zips it. The same source gives the same zip, byte for byte
// (-trimpath, no VCS stamp, a fixed timestamp), so its hash is a key that
// changes exactly when the code does.
func BuildFunctions(ctx context.Context, root string) ([]Function, error) {
	tmp, err := os.MkdirTemp("", "portal-lambda-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var out []Function
	for _, name := range FunctionNames {
		bin := filepath.Join(tmp, name, "bootstrap")
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-tags", "lambda.norpc", "-o", bin, "./functions/cmd/"+name)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build %s for Lambda: %v\n%s", name, err, b)
		}
		b, err := os.ReadFile(bin)
		if err != nil {
			return nil, err
		}
		z, err := Zip(b)
		if err != nil {
			return nil, err
		}
		out = append(out, Function{Name: name, Zip: z})
	}
	return out, nil
}

// Zip packs a bootstrap binary the way Lambda runs it: one executable
// file, with a fixed timestamp so that the zip depends on the binary only.
func Zip(bootstrap []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(bootstrap); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ModuleRoot finds the portal's source from dir upwards: the functions
// are built from it.
func ModuleRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/portal-dev/portal\n")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("the functions are built from the portal's source, and %s is not in it: run portal deploy in a clone of the portal's repository", dir)
		}
	}
}
