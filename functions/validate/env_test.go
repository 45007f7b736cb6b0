package validate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/validate"
)

func TestTTLFromEnv(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]time.Duration{"": validate.DeployedTTL, "5s": 5 * time.Second, "0": 0} {
		got, err := validate.TTLFromEnv(func(string) string { return v })
		if err != nil || got != want {
			t.Errorf("TTLFromEnv(PORTAL_CACHE_TTL=%q) = %v, %v, want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"soon", "-1s", "30"} {
		if _, err := validate.TTLFromEnv(func(string) string { return v }); err == nil || !strings.Contains(err.Error(), "PORTAL_CACHE_TTL") {
			t.Errorf("TTLFromEnv(PORTAL_CACHE_TTL=%q) = %v, want an error naming the variable", v, err)
		}
	}
}
