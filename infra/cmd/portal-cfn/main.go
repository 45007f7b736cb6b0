// Command portal-cfn prints the CloudFormation template of the portal's
// functions: go run ./infra/cmd/portal-cfn > portal.template.json
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/portal-dev/portal/infra/cloudformation"
)

func main() {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(cloudformation.Template()); err != nil {
		fmt.Fprintln(os.Stderr, "portal-cfn:", err)
		os.Exit(1)
	}
}
