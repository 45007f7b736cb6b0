package validate

import (
	"errors"
	"net/url"
	"strings"

	"github.com/portal-dev/portal/functions/catalog"
	"github.com/portal-dev/portal/functions/portal"
)

// ErrBadPath is a forwarded path that cannot be normalised the way every
// gateway would route it; the request is denied.
var ErrBadPath = errors.New("the request path cannot be checked safely (an encoded slash, backslash or control character, a bad escape, or dot segments above the root)")

// ErrAPIMismatch is a request whose API named by header (X-Portal-API) is
// not the API its path routes to: one of the two was sent by the client.
var ErrAPIMismatch = errors.New("X-Portal-API names another API than the request's path routes to")

// NormalizePath returns an escaped URL path as a gateway routes it:
// percent-encoded unreserved characters decoded (RFC 3986 §6.2.2.2), other
// escapes kept with upper-case hex, dot segments resolved and duplicate
// slashes merged; a trailing slash is kept. It refuses (ErrBadPath) what
// gateways disagree on, so that no trick routes the key check to one API
// and the call to another: an encoded '/', '\' or '%', a backslash, control
// characters, invalid escapes, a ".." above the root, and a path that does
// not start with '/'.
func NormalizePath(raw string) (string, error) {
	if raw == "" || raw[0] != '/' {
		return "", ErrBadPath
	}
	if clean(raw) {
		return raw, nil // the usual case, on every request: no allocation
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '%':
			d, ok := catalog.DecodeEscape(raw, i)
			if !ok {
				return "", ErrBadPath
			}
			switch {
			case unreserved(d):
				b.WriteByte(d)
			case d == '/' || d == '\\' || d == '%' || d < 0x20 || d == 0x7f:
				return "", ErrBadPath
			default:
				b.WriteByte('%')
				b.WriteByte(upper(raw[i+1]))
				b.WriteByte(upper(raw[i+2]))
			}
			i += 2
		case c == '\\' || c < 0x20 || c == 0x7f:
			return "", ErrBadPath
		default:
			b.WriteByte(c)
		}
	}
	decoded := b.String()
	segs := strings.Split(decoded[1:], "/")
	out := make([]string, 0, len(segs))
	trailing := false
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case "", ".":
			trailing = last
		case "..":
			if len(out) == 0 {
				return "", ErrBadPath
			}
			out = out[:len(out)-1]
			trailing = last
		default:
			out = append(out, s)
			trailing = false
		}
	}
	p := "/" + strings.Join(out, "/")
	if trailing && len(out) > 0 {
		p += "/"
	}
	return p, nil
}

// clean reports whether a path needs no normalising: no escapes,
// backslashes or control characters, no empty or dot segments.
func clean(p string) bool {
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '%' || c == '\\' || c < 0x20 || c == 0x7f:
			return false
		case c == '/' && i+1 < len(p):
			switch next := p[i+1]; {
			case next == '/':
				return false
			case next == '.':
				rest := p[i+1:]
				if rest == "." || rest == ".." || strings.HasPrefix(rest, "./") || strings.HasPrefix(rest, "../") {
					return false
				}
			}
		}
	}
	return true
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}

// splitURI splits a forwarded request URI (origin form "/p?q", or absolute
// form) into its normalised path and its raw query.
func splitURI(uri string) (string, string, error) {
	if i := strings.IndexByte(uri, '#'); i >= 0 {
		uri = uri[:i]
	}
	raw, rawQuery, _ := strings.Cut(uri, "?")
	if !strings.HasPrefix(raw, "/") {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return "", "", ErrBadPath
		}
		raw = u.EscapedPath()
		if raw == "" {
			raw = "/"
		}
	}
	p, err := NormalizePath(raw)
	if err != nil {
		return "", "", err
	}
	return p, rawQuery, nil
}

// routes reports whether the normalised path is under the API's route
// prefix: the prefix itself with or without its slash, or anything below.
func routes(prefix, path string) bool {
	if prefix == "" {
		return false
	}
	base := strings.TrimSuffix(prefix, "/")
	return path == base || strings.HasPrefix(path, base+"/")
}

// NormalizeHost returns a forwarded host as routes name it: lower-case,
// without port or trailing dot ("API.Acme.com:443" is "api.acme.com").
// A list of hosts (a comma) or a bracketed IPv6 address left open is
// refused (ErrBadHost).
func NormalizeHost(h string) (string, error) {
	h = strings.ToLower(strings.TrimSpace(h))
	if strings.ContainsAny(h, ", /\\@") {
		return "", ErrBadHost
	}
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return "", ErrBadHost
		}
		return h[:end+1], nil
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	return strings.TrimSuffix(h, "."), nil
}

// ErrBadHost is a forwarded host that names no single host.
var ErrBadHost = errors.New("the forwarded host is not one host name")

// match finds the API for a request: by ref (an id or slug named by the
// gateway's configuration) and by route: the longest route prefix of the
// normalised path among the APIs served on any host or on host (an API
// with a route host is matched only on that host; on a tie it wins over
// one served on any host). When both ref and route name an API and they
// differ, it is ErrAPIMismatch: a client can send either.
func match(apis []portal.API, ref, host, path string) (portal.API, error) {
	var byRef, byRoute portal.API
	best := -1
	for _, a := range apis {
		if ref != "" && (a.ID == ref || a.Slug == ref) {
			byRef = a
		}
		if path == "" || !routes(a.RoutePrefix, path) || a.RouteHost != "" && a.RouteHost != host {
			continue
		}
		score := 2 * len(a.RoutePrefix)
		if a.RouteHost != "" {
			score++
		}
		if score > best {
			best, byRoute = score, a
		}
	}
	switch {
	case ref != "" && byRef.ID == "":
		return portal.API{}, ErrNoAPI
	case ref != "" && byRoute.ID != "" && byRoute.ID != byRef.ID:
		return portal.API{}, ErrAPIMismatch
	case ref != "":
		return byRef, nil
	case byRoute.ID == "":
		return portal.API{}, ErrNoAPI
	}
	return byRoute, nil
}
