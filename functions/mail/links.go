package mail

import (
	"fmt"
	"net/url"
	pathpkg "path"
	"strings"
)

// Links builds absolute links into the portal from its configured base URL.
// Mail never takes its links from a request's Host header, which a client
// controls: a forged Host would otherwise send a reset token to its owner.
type Links struct {
	base *url.URL
}

// NewLinks returns a Links for baseURL, an absolute http or https URL such
// as "https://developer.acme.example" or "http://127.0.0.1:8080/portal/".
func NewLinks(baseURL string) (Links, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return Links{}, fmt.Errorf("mail: portal base URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Links{}, fmt.Errorf("mail: portal base URL %q is not absolute: give scheme and host, e.g. https://developer.example.com", baseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return Links{}, fmt.Errorf("mail: portal base URL %q: remove the user info, query or fragment", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return Links{base: u}, nil
}

// BaseURL returns the portal's base URL, without a trailing slash.
func (l Links) BaseURL() string {
	if l.base == nil {
		return ""
	}
	return l.base.String()
}

// Link returns the absolute URL of path (relative to the base URL's path)
// with query, e.g. Link("/verify-email", url.Values{"token": {t}}).
func (l Links) Link(path string, query url.Values) string {
	if l.base == nil {
		panic("mail: Links used without NewLinks")
	}
	// Cleaning under a root first keeps ".." from climbing above the base path.
	u := l.base.JoinPath(pathpkg.Clean("/" + path))
	if strings.HasSuffix(path, "/") && !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery = query.Encode()
	return u.String()
}

// owns reports whether link points into the portal: same scheme and host,
// under the base path.
func (l Links) owns(link string) bool {
	if l.base == nil {
		return false
	}
	u, err := url.Parse(link)
	if err != nil || u.User != nil {
		return false
	}
	if u.Scheme != l.base.Scheme || u.Host != l.base.Host {
		return false
	}
	return l.base.Path == "" || u.Path == l.base.Path || strings.HasPrefix(u.Path, l.base.Path+"/")
}
