package generator

import (
	"os/exec"
	"strings"
	"testing"
)

// TestGeneratorLinksOnlyTheCatalogContract keeps the generator and the
// functions apart: of the functions, the generator links exactly the
// catalog contract (functions/catalog, standard library only) that both
// sides share. The reverse (no generator in a Lambda) is checked in
// functions/lambdahttp.
func TestGeneratorLinksOnlyTheCatalogContract(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps gave %d packages; expected the generator's dependencies", len(deps))
	}
	const functions = "github.com/portal-dev/portal/functions"
	linked := false
	for _, d := range deps {
		switch {
		case d == functions+"/catalog":
			linked = true
		case d == functions || strings.HasPrefix(d, functions+"/"):
			t.Errorf("the generator links %s; only %s/catalog is shared", d, functions)
		}
	}
	if !linked {
		t.Errorf("the generator does not link %s/catalog: is catalog.json defined twice again?", functions)
	}
	out, err = exec.Command("go", "list", "-deps", "../functions/catalog").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, d := range strings.Fields(string(out)) {
		if strings.Contains(d, ".") && !strings.HasPrefix(d, "vendor/") && d != functions+"/catalog" {
			t.Errorf("functions/catalog links %s; it must stay standard library only", d)
		}
	}
}
