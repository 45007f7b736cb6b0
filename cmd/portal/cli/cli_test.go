package cli

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"portal":    func() { os.Exit(Main(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr)) },
		"cfn-check": cfnCheck,
	})
}

// TestScripts runs the CLI as a process, as users do: testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	t.Parallel()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("REPO", wd+"/../../..")
			return nil
		},
	})
}

// env is a getenv for Main that holds only the given name, value pairs.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(name string) string { return m[name] }
}
