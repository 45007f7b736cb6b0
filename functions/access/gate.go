package access

import (
	"slices"
	"time"

	"github.com/portal-dev/portal/functions/catalog"
)

// Decision is what a gate does with a request.
type Decision string

const (
	Allow Decision = "allow" // answer it
	Login Decision = "login" // no valid token: an HTML GET goes to /login/?next=…, anything else gets 401
	Deny  Decision = "deny"  // a token without the right, or a path that cannot be read safely: 404
)

// Gate decides requests by a build's gate rules.
type Gate struct {
	rules []catalog.GateRule
	key   []byte
}

// NewGate returns the gate for rules, verifying tokens with key.
func NewGate(rules []catalog.GateRule, key []byte) *Gate {
	return &Gate{rules: slices.Clone(rules), key: key}
}

// Private reports whether any rule gates anything.
func (g *Gate) Private() bool {
	for _, r := range g.rules {
		if r.Need != catalog.NeedNothing {
			return true
		}
	}
	return false
}

// Need returns what reading path needs (catalog.Need).
func (g *Gate) Need(path string) (string, bool) { return catalog.Need(g.rules, path) }

// Decide is the gate's decision for a request to path (a request target:
// a query is ignored) carrying token ("" when there is no cookie), at now.
func (g *Gate) Decide(path, token string, now time.Time) Decision {
	need, ok := g.Need(path)
	switch {
	case !ok:
		return Deny
	case need == catalog.NeedNothing:
		return Allow
	}
	grant, err := Verify(g.key, token, now)
	switch {
	case err != nil:
		return Login
	case grant.Allows(need):
		return Allow
	}
	return Deny
}
