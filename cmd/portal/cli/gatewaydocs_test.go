package cli

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

const gatewaysPage = "../../../content/gateways.md"

// documented finds each "portal gateway config …" command in a sh block
// of the page and the code block after it.
var documented = regexp.MustCompile("(?s)```sh\n(portal gateway config [^\n]*)\n```\n\n```([a-z]*)\n(.*?)```\n")

// TestGatewayDocsMatch: every configuration on the docs page "Enforce keys
// with your gateway" is what its command prints for the sample portal.
// go test ./cmd/portal/cli -run TestGatewayDocsMatch -update rewrites them
// (-update is the package's flag, shared with the netlify.toml test).
func TestGatewayDocsMatch(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile(gatewaysPage)
	if err != nil {
		t.Fatal(err)
	}
	ms := documented.FindAllSubmatchIndex(page, -1)
	if len(ms) != 4 {
		t.Fatalf("%s has %d documented commands with their output, want 4 (nginx, caddy, traefik, envoy)", gatewaysPage, len(ms))
	}
	var out bytes.Buffer
	last := 0
	for _, m := range ms {
		cmd := string(page[m[2]:m[3]])
		args := append(strings.Fields(strings.TrimPrefix(cmd, "portal ")), "--config", "../../../portal.yaml")
		var got, errOut bytes.Buffer
		if code := Main(context.Background(), args, env(), &got, &errOut); code != 0 {
			t.Fatalf("%s = %d: %s", cmd, code, errOut.String())
		}
		out.Write(page[last:m[6]])
		out.Write(got.Bytes())
		last = m[7]
		if documented := string(page[m[6]:m[7]]); documented != got.String() {
			if !*update {
				t.Errorf("%s: the configuration under %q differs from what it prints; run go test ./cmd/portal/cli -run TestGatewayDocsMatch -update", gatewaysPage, cmd)
			}
		}
	}
	out.Write(page[last:])
	if *update {
		if err := os.WriteFile(gatewaysPage, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
