package cli

import (
	"fmt"
	"os"

	"github.com/portal-dev/portal/infra/cfnspec"
)

// cfnCheck is the scripts' cfn-check ROOT TEMPLATE: it checks a template
// against AWS's resource specification under ROOT and prints the problems.
func cfnCheck() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: cfn-check ROOT TEMPLATE")
		os.Exit(2)
	}
	s, err := cfnspec.Load(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	raw, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	problems := cfnspec.Check(s, raw)
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Printf("ok: %d resources\n", cfnspec.Resources(raw))
}
