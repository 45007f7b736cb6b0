package openapi

import (
	"os"
	"testing"
)

// BenchmarkLoadGitHub loads GitHub's REST description (13 MB JSON), named
// by PORTAL_GITHUB_SPEC, e.g. from the npm package @octokit/openapi.
func BenchmarkLoadGitHub(b *testing.B) {
	path := os.Getenv("PORTAL_GITHUB_SPEC")
	if path == "" {
		b.Skip("set PORTAL_GITHUB_SPEC to api.github.com.json to run this benchmark")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		api, _, err := Load(path, data)
		if err != nil {
			b.Fatal(err)
		}
		if len(api.Operations) == 0 {
			b.Fatal("no operations")
		}
	}
}
