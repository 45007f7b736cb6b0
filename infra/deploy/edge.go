package deploy

import "github.com/portal-dev/portal/functions/catalog"

// Edge makes the gate's code for the two edges from a build's gate rules:
// the CloudFront Function (cloudfront-js-2.0; the key in the
// KeyValueStore under "access-key") and the Netlify Edge Function files
// (the key in PORTAL_ACCESS_KEY). Package generator/edge implements it;
// the deploy commands take it as a parameter.
type Edge interface {
	CloudFrontFunction(rules []catalog.GateRule) (string, error)
	WriteNetlify(dir string, rules []catalog.GateRule) error
}

// NetlifyEdgeFunction is the name the edge function is declared under in
// netlify.toml (its file is <dir>/portal-gate.js).
const NetlifyEdgeFunction = "portal-gate"
