package validate

import (
	"fmt"
	"time"
)

// DeployedTTL is how long a deployed validator (the Lambda authorizer, a
// deployment's /validate) caches a decision when PORTAL_CACHE_TTL is unset.
const DeployedTTL = 30 * time.Second

// TTLFromEnv reads a deployment's cache TTL from PORTAL_CACHE_TTL, a Go
// duration (DeployedTTL when unset). A bad value is an error that names
// the variable and the fix.
func TTLFromEnv(env func(string) string) (time.Duration, error) {
	v := env("PORTAL_CACHE_TTL")
	if v == "" {
		return DeployedTTL, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("PORTAL_CACHE_TTL %q is not a duration; give one like 30s", v)
	}
	return d, nil
}
