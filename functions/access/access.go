// Package access is the access cookie and the gate that reads it.
//
// The functions issue the cookie at login and refresh it while the
// session lives: a short-lived HS256 JWT whose claims name the developer
// and what they may read — the private APIs by slug, and whether private
// pages. The gate decides, for a request path and the cookie's token,
// whether to answer, to send the visitor to the login page or to answer
// 404. Three gates make that decision: `portal serve` (this package), a
// CloudFront Function and a Netlify Edge Function; testdata/vectors.json
// holds the cases all three must agree on.
package access

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/portal-dev/portal/functions/catalog"
)

// The cookie's names: on HTTPS the __Host- prefix binds it to the origin.
const (
	CookieName       = "portal_access"
	SecureCookieName = "__Host-portal_access"
)

// MaxAge is the longest an access cookie lives; a verifier refuses a token
// that claims to be valid for longer from now.
const MaxAge = 15 * time.Minute

// Claims say who the developer is and what private content they may read.
type Claims struct {
	Developer string   `json:"sub"`
	APIs      []string `json:"apis"`  // slugs of the private APIs they may read
	Pages     *bool    `json:"pages"` // private pages (every approved developer)

	IssuedAt  *Time `json:"iat,omitempty"`
	NotBefore *Time `json:"nbf,omitempty"`
	ExpiresAt *Time `json:"exp"`
}

// Time is a JWT NumericDate that must be a JSON number: the edge
// verifiers read it with typeof === "number", so a quoted number, which
// jwt.NumericDate accepts, is refused here too.
type Time struct{ jwt.NumericDate }

// UnmarshalJSON refuses anything but a number.
func (t *Time) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || !(b[0] == '-' || '0' <= b[0] && b[0] <= '9') {
		return errors.New("access: a time claim must be a number")
	}
	return t.NumericDate.UnmarshalJSON(b)
}

func newTime(t time.Time) *Time { return &Time{*jwt.NewNumericDate(t)} }

func (t *Time) date() *jwt.NumericDate {
	if t == nil {
		return nil
	}
	return &t.NumericDate
}

// Grant is what a developer may read, to be issued as a token.
type Grant struct {
	Developer string
	APIs      []string
	Pages     bool
}

// Issue signs a token for g, valid from now for ttl (at most MaxAge).
func Issue(key []byte, g Grant, now time.Time, ttl time.Duration) (string, error) {
	if len(key) < 32 {
		return "", errors.New("access: the signing key must have at least 32 bytes")
	}
	if ttl <= 0 || ttl > MaxAge {
		ttl = MaxAge
	}
	apis := g.APIs
	if apis == nil {
		apis = []string{}
	}
	c := Claims{Developer: g.Developer, APIs: apis, Pages: &g.Pages,
		IssuedAt: newTime(now), ExpiresAt: newTime(now.Add(ttl))}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
}

// Verify checks a token's signature (HS256 only), its times at now and
// its claims, and returns the grant it carries.
func Verify(key []byte, token string, now time.Time) (Grant, error) {
	g, _, err := VerifyAt(key, token, now)
	return g, err
}

// VerifyAt is Verify that also returns when the token was issued (the
// zero time when it does not say).
func VerifyAt(key []byte, token string, now time.Time) (Grant, time.Time, error) {
	var c Claims
	p := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(), jwt.WithStrictDecoding(), jwt.WithTimeFunc(func() time.Time { return now }))
	if _, err := p.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return key, nil }); err != nil {
		return Grant{}, time.Time{}, err
	}
	if c.ExpiresAt.Sub(now) > MaxAge {
		return Grant{}, time.Time{}, errors.New("access: the token claims to live longer than the access cookie may")
	}
	var iat time.Time
	if c.IssuedAt != nil {
		iat = c.IssuedAt.Time
	}
	return Grant{Developer: c.Developer, APIs: c.APIs, Pages: *c.Pages}, iat, nil
}

// UnmarshalJSON reads the claims by their exact names, as the edge
// verifiers do (encoding/json would also take "SUB" for "sub").
func (c *Claims) UnmarshalJSON(b []byte) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	exact := map[string]json.RawMessage{}
	for _, k := range []string{"sub", "apis", "pages", "iat", "nbf", "exp"} {
		if v, ok := all[k]; ok {
			exact[k] = v
		}
	}
	b, err := json.Marshal(exact)
	if err != nil {
		return err
	}
	type plain Claims // without this method
	return json.Unmarshal(b, (*plain)(c))
}

// Validate requires the claims every gate relies on (jwt.ClaimsValidator).
func (c Claims) Validate() error {
	switch {
	case c.Developer == "":
		return errors.New("access: no sub")
	case c.APIs == nil:
		return errors.New("access: no apis")
	case c.Pages == nil:
		return errors.New("access: no pages")
	}
	return nil
}

// The jwt.Claims methods.
func (c Claims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt.date(), nil }
func (c Claims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt.date(), nil }
func (c Claims) GetNotBefore() (*jwt.NumericDate, error)      { return c.NotBefore.date(), nil }
func (c Claims) GetIssuer() (string, error)                   { return "", nil }
func (c Claims) GetSubject() (string, error)                  { return c.Developer, nil }
func (c Claims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// Allows reports whether the grant satisfies a rule's need.
func (g Grant) Allows(need string) bool {
	switch {
	case need == catalog.NeedNothing:
		return true
	case need == catalog.NeedPages:
		return g.Pages
	case strings.HasPrefix(need, catalog.NeedAPIPrefix):
		return slices.Contains(g.APIs, strings.TrimPrefix(need, catalog.NeedAPIPrefix))
	}
	return false // an unknown need fails closed
}
