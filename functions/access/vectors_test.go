package access

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/portal-dev/portal/functions/catalog"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

// Vectors is testdata/vectors.json: the cases every gate — this package,
// the CloudFront Function under Node and the Netlify Edge Function under
// Deno — must decide alike. The expectations are written by hand below;
// the file is generated from them (go test ./functions/access -update) so
// that the tokens are signed with the key it names.
type Vectors struct {
	Comment   string             `json:"comment"`
	Key       string             `json:"key"` // base64 (standard) of the HMAC key
	Now       int64              `json:"now"` // seconds since the epoch
	Rules     []catalog.GateRule `json:"rules"`
	Paths     []PathCase         `json:"paths"`
	Tokens    []TokenCase        `json:"tokens"`
	Decisions []DecisionCase     `json:"decisions"`
	// RuleSets are more rule sets with their own decisions, on the same
	// key, time and tokens.
	RuleSets []RuleSet `json:"rule_sets,omitempty"`
}

// RuleSet is a portal's gate rules and requests decided by them.
type RuleSet struct {
	Name      string             `json:"name"`
	Rules     []catalog.GateRule `json:"rules"`
	Decisions []DecisionCase     `json:"decisions"`
}

// PathCase: Normalize(Path) is Want, or fails when Want is "".
type PathCase struct {
	Path string `json:"path"`
	Want string `json:"want"`
}

// TokenCase: a token and whether it verifies at Now (and, if so, its grant).
type TokenCase struct {
	Name  string   `json:"name"`
	Token string   `json:"token"`
	Valid bool     `json:"valid"`
	APIs  []string `json:"apis,omitempty"`
	Pages bool     `json:"pages,omitempty"`
}

// DecisionCase: a request to Path with the token named Token ("" for no
// cookie) is decided Want.
type DecisionCase struct {
	Path  string   `json:"path"`
	Token string   `json:"token"`
	Want  Decision `json:"want"`
}

var (
	testKey = []byte("portal-test-vectors-key-0123456789abcdef")
	testNow = time.Unix(1_800_000_000, 0)
)

func b64(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// sign makes a token from a raw header and claims, HMAC-SHA256 with key.
func sign(key []byte, header, claims any) string {
	in := b64(header) + "." + b64(claims)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func buildVectors() Vectors {
	now := testNow.Unix()
	hs := map[string]any{"alg": "HS256", "typ": "JWT"}
	claims := func(kv ...any) map[string]any {
		m := map[string]any{"sub": "dev-1", "apis": []string{"payments"}, "pages": true, "iat": now - 60, "exp": now + 600}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	good := sign(testKey, hs, claims())
	issued, err := Issue(testKey, Grant{Developer: "dev-2", APIs: []string{"ledger"}}, testNow.Add(-time.Minute), 10*time.Minute)
	if err != nil {
		panic(err)
	}
	noneTok := b64(map[string]any{"alg": "none", "typ": "JWT"}) + "." + b64(claims()) + "."
	hs512 := func() string {
		h := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims(claims()))
		s, err := h.SignedString(testKey)
		if err != nil {
			panic(err)
		}
		return s
	}()
	// flip the last character of the signature to another whose top
	// bits decode the same: non-canonical base64 must fail too.
	nonCanonical := good[:len(good)-1] + string(good[len(good)-1]^1)
	tokens := []TokenCase{
		{Name: "valid", Token: good, Valid: true, APIs: []string{"payments"}, Pages: true},
		{Name: "issued", Token: issued, Valid: true, APIs: []string{"ledger"}},
		{Name: "no-pages", Token: sign(testKey, hs, claims("pages", false, "apis", []string{})), Valid: true, APIs: []string{}},
		{Name: "nbf-past", Token: sign(testKey, hs, claims("nbf", now-5)), Valid: true, APIs: []string{"payments"}, Pages: true},
		{Name: "no-typ", Token: sign(testKey, map[string]any{"alg": "HS256"}, claims()), Valid: true, APIs: []string{"payments"}, Pages: true},
		{Name: "expired", Token: sign(testKey, hs, claims("exp", now-1))},
		{Name: "expires-now", Token: sign(testKey, hs, claims("exp", now))},
		{Name: "not-yet-valid", Token: sign(testKey, hs, claims("nbf", now+60))},
		{Name: "too-long", Token: sign(testKey, hs, claims("exp", now+int64(MaxAge/time.Second)+1))},
		{Name: "wrong-key", Token: sign([]byte("another-key-another-key-another-key!"), hs, claims())},
		{Name: "tampered-claims", Token: b64(hs) + "." + b64(claims("apis", []string{"payments", "ledger"})) + good[len(good)-44:]},
		{Name: "non-canonical-signature", Token: nonCanonical},
		{Name: "alg-none", Token: noneTok},
		{Name: "alg-none-signed", Token: sign(testKey, map[string]any{"alg": "none"}, claims())},
		{Name: "alg-lower-case", Token: sign(testKey, map[string]any{"alg": "hs256"}, claims())},
		{Name: "alg-hs512", Token: hs512},
		{Name: "no-alg", Token: sign(testKey, map[string]any{"typ": "JWT"}, claims())},
		{Name: "missing-sub", Token: sign(testKey, hs, claims("sub", nil))},
		{Name: "sub-upper-case", Token: sign(testKey, hs, claims("sub", nil, "SUB", "dev-1"))},
		{Name: "exp-upper-case", Token: sign(testKey, hs, claims("exp", nil, "Exp", now+600))},
		{Name: "empty-sub", Token: sign(testKey, hs, claims("sub", ""))},
		{Name: "missing-exp", Token: sign(testKey, hs, claims("exp", nil))},
		{Name: "exp-string", Token: sign(testKey, hs, claims("exp", "1800000600"))},
		{Name: "missing-apis", Token: sign(testKey, hs, claims("apis", nil))},
		{Name: "apis-string", Token: sign(testKey, hs, claims("apis", "payments"))},
		{Name: "missing-pages", Token: sign(testKey, hs, claims("pages", nil))},
		{Name: "pages-string", Token: sign(testKey, hs, claims("pages", "true"))},
		{Name: "padded", Token: good + "="},
		{Name: "two-parts", Token: good[:len(good)-44]},
		{Name: "four-parts", Token: good + ".x"},
		{Name: "garbage", Token: "not a token"},
		// Time claims count in whole seconds (jwt.NumericDate truncates).
		{Name: "exp-fraction", Token: sign(testKey, hs, claims("exp", float64(now)+0.5))},
		{Name: "nbf-fraction", Token: sign(testKey, hs, claims("nbf", float64(now)+0.5)), Valid: true, APIs: []string{"payments"}, Pages: true},
		{Name: "iat-string", Token: sign(testKey, hs, claims("iat", "1799999940"))},
	}
	rules := []catalog.GateRule{
		{Prefix: "/apis/payments/", Need: "api:payments"},
		{Prefix: "/apis/ledger/", Need: "api:ledger"},
		{Prefix: "/guides/internal/", Need: "pages"},
		{Prefix: "/search/private/", Need: "pages"},
	}
	paths := []PathCase{
		{"/", "/"},
		{"", "/"},
		{"/apis/payments/", "/apis/payments/"},
		{"/apis/payments", "/apis/payments/"},
		{"/apis/payments/index.html", "/apis/payments/index.html/"},
		{"/APIS/Payments/", "/apis/payments/"},
		{"/apis%2Fpayments/", "/apis/payments/"},
		{"/apis%2fpayments/", "/apis/payments/"},
		{"/apis/%70ayments/", "/apis/payments/"},
		{"/apis/%2570ayments/", "/apis/payments/"},
		{"/apis/%252570ayments/", "/apis/payments/"},
		{"/apis/%25252570ayments/", ""},
		{"/apis/public/%2e%2e/payments/", "/apis/payments/"},
		{"/apis/public/%2E%2E/payments/", "/apis/payments/"},
		{"/apis/public/../payments/", "/apis/payments/"},
		{"/apis/./payments/", "/apis/payments/"},
		{"/../../apis/payments/", "/apis/payments/"},
		{"//apis//payments//", "/apis/payments/"},
		{"/apis\\payments\\", "/apis/payments/"},
		{"/apis%5cpayments/", "/apis/payments/"},
		{"/apis/payments./", "/apis/payments/"},
		{"/apis/payments.../x.html", "/apis/payments/x.html/"},
		{"/apis/payments%20/", "/apis/payments/"},
		{"/apis/payments?x=/public/", "/apis/payments/"},
		{"/apis/payments#frag", "/apis/payments/"},
		{"/apis/payments%3F/", "/apis/payments?/"},
		{"/apis/pay%00ments/", ""},
		{"/apis/pay%0aments/", ""},
		{"/apis/pay%zzments/", ""},
		{"/apis/payments%", ""},
		{"/apis/payments%2", ""},
		{"/apis/paymentsx/", "/apis/paymentsx/"},
		{"/guides/internal/setup/", "/guides/internal/setup/"},
		{"/caf%C3%A9/", "/caf\u00e9/"},
		{"/CAF%C3%89/", "/caf\u00c9/"},
	}
	d := func(path, token string, want Decision) DecisionCase { return DecisionCase{path, token, want} }
	var decisions []DecisionCase
	for _, p := range []string{"/", "/apis/public/", "/apis/paymentsx/", "/guides/", "/login/?next=/apis/payments/"} {
		decisions = append(decisions, d(p, "", Allow), d(p, "expired", Allow), d(p, "no-pages", Allow))
	}
	for _, p := range []string{"/apis/payments/", "/apis/payments", "/apis/payments/index.html", "/APIS/PAYMENTS/", "/apis%2Fpayments/",
		"/apis/public/%2e%2e/payments/", "//apis//payments/", "/apis/payments./", "/apis/payments/?a=1", "/apis\\payments/search.json", "/apis/%2570ayments/"} {
		decisions = append(decisions, d(p, "valid", Allow), d(p, "issued", Deny), d(p, "no-pages", Deny), d(p, "", Login))
	}
	for _, t := range tokens {
		if !t.Valid {
			decisions = append(decisions, d("/apis/payments/", t.Name, Login), d("/guides/internal/", t.Name, Login))
		}
	}
	decisions = append(decisions,
		d("/apis/ledger/", "issued", Allow), d("/apis/ledger/", "valid", Deny),
		d("/guides/internal/", "valid", Allow), d("/guides/internal/a/b/", "valid", Allow), d("/guides/internal/", "issued", Deny),
		d("/search/private/pages.json", "valid", Allow), d("/search/private/pages.json", "", Login),
		d("/apis/pay%00ments/", "valid", Deny), d("/apis/pay%zzments/", "", Deny), d("/apis/%25252570ayments/", "valid", Deny),
	)
	return Vectors{
		Comment: "Generated by go test ./functions/access -update from vectors_test.go; every gate must decide these alike.",
		Key:     base64.StdEncoding.EncodeToString(testKey), Now: now, Rules: rules, Paths: paths, Tokens: tokens, Decisions: decisions,
		RuleSets: []RuleSet{internalPortal(d)},
	}
}

// internalPortal is an internal portal's rules: everything needs a login
// but the pages that lead to one, their assets and the 404 page; one API
// is private to those who may read it.
func internalPortal(d func(path, token string, want Decision) DecisionCase) RuleSet {
	return RuleSet{
		Name: "internal",
		Rules: []catalog.GateRule{
			{Prefix: "/", Need: "pages"},
			{Prefix: "/login/", Need: ""},
			{Prefix: "/signup/", Need: ""},
			{Prefix: "/verify-email/", Need: ""},
			{Prefix: "/reset-password/", Need: ""},
			{Prefix: "/_portal/assets/", Need: ""},
			{Prefix: "/404.html/", Need: ""},
			{Prefix: "/apis/payments/", Need: "api:payments"},
		},
		Decisions: []DecisionCase{
			d("/", "", Login), d("/", "valid", Allow), d("/", "no-pages", Deny), d("/", "expired", Login),
			d("/index.html", "", Login), d("/index.html", "valid", Allow), d("/guides/start/", "issued", Deny),
			d("/login/", "", Allow), d("/login/?next=%2Fguides%2F", "", Allow), d("/LOGIN/", "", Allow), d("/signup/", "expired", Allow),
			d("/verify-email/?token=x", "", Allow), d("/reset-password/", "", Allow), d("/404.html", "", Allow),
			d("/login/../guides/", "", Login), d("/login/%2e%2e/guides/", "", Login), d("/login%2f..%2fguides/", "", Login),
			d("/login/..%5cguides/", "", Login), d("/login./", "", Allow), d("/login", "", Allow), d("/loginx/", "", Login),
			d("/_portal/assets/app.css", "", Allow), d("/_portal/assets/../../apis/payments/", "", Login),
			d("/_portal/assets/%2e%2e/%2e%2e/apis/payments/", "valid", Allow), d("/_portal/assets/%2e%2e/%2e%2e/apis/payments/", "issued", Deny),
			d("/_PORTAL/Assets/app.css", "", Allow), d("/_portal/assets%2f..%2findex.html", "", Login),
			d("/apis/payments/", "", Login), d("/apis/payments/", "valid", Allow), d("/apis/payments/", "no-pages", Deny),
			d("/apis/ledger/", "valid", Allow), d("/apis/ledger/", "issued", Deny), d("/apis/ledger/", "alg-none", Login),
			d("/apis/pay%00ments/", "valid", Deny), d("/%zz/", "", Deny),
		},
	}
}

func TestVectors(t *testing.T) {
	v := buildVectors()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	const file = "testdata/vectors.json"
	if *update {
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if old, err := os.ReadFile(file); err != nil || !bytes.Equal(old, b) {
		t.Errorf("%s is not what vectors_test.go generates (run go test ./functions/access -update): %v", file, err)
	}

	for _, c := range v.Paths {
		got, ok := catalog.Normalize(c.Path)
		if c.Want == "" && ok || c.Want != "" && got != c.Want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", c.Path, got, ok, c.Want)
		}
	}
	byName := map[string]string{}
	for _, c := range v.Tokens {
		byName[c.Name] = c.Token
		g, err := Verify(testKey, c.Token, testNow)
		switch {
		case c.Valid && err != nil:
			t.Errorf("token %s: %v; want valid", c.Name, err)
		case !c.Valid && err == nil:
			t.Errorf("token %s verified; want refused", c.Name)
		case c.Valid && (g.Pages != c.Pages || !equalStrings(g.APIs, c.APIs)):
			t.Errorf("token %s: grant %+v; want apis %v pages %v", c.Name, g, c.APIs, c.Pages)
		}
	}
	gate := NewGate(v.Rules, testKey)
	for _, c := range v.Decisions {
		if got := gate.Decide(c.Path, byName[c.Token], testNow); got != c.Want {
			t.Errorf("Decide(%q, %s) = %s; want %s", c.Path, c.Token, got, c.Want)
		}
	}
	for _, set := range v.RuleSets {
		gate := NewGate(set.Rules, testKey)
		for _, c := range set.Decisions {
			if got := gate.Decide(c.Path, byName[c.Token], testNow); got != c.Want {
				t.Errorf("%s: Decide(%q, %s) = %s; want %s", set.Name, c.Path, c.Token, got, c.Want)
			}
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
