package mail

import (
	"net/url"
	"testing"
)

func TestNewLinksRejects(t *testing.T) {
	t.Parallel()
	for _, base := range []string{
		"",
		"developer.example.com",
		"/portal",
		"//developer.example.com",
		"ftp://developer.example.com",
		"https://",
		"https://developer.example.com/?x=1",
		"https://developer.example.com/#top",
		"https://user:pass@developer.example.com",
		"mailto:portal@example.com",
	} {
		if _, err := NewLinks(base); err == nil {
			t.Errorf("NewLinks(%q) = nil error, want one", base)
		}
	}
}

func TestLinksLink(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		base, path string
		query      url.Values
		want       string
	}{
		"root":             {"http://127.0.0.1:8080", "/verify-email", url.Values{"token": {"a+b/c="}}, "http://127.0.0.1:8080/verify-email?token=a%2Bb%2Fc%3D"},
		"trailing slash":   {"https://developer.example.com/", "/login/", nil, "https://developer.example.com/login/"},
		"base path":        {"https://example.com/portal/", "reset-password", url.Values{"token": {"t"}}, "https://example.com/portal/reset-password?token=t"},
		"dot segments":     {"https://example.com/portal", "/../../etc", nil, "https://example.com/portal/etc"},
		"sorted query":     {"https://example.com", "/x", url.Values{"b": {"2"}, "a": {"1"}}, "https://example.com/x?a=1&b=2"},
		"escaped path":     {"https://example.com", "/apps/my app", nil, "https://example.com/apps/my%20app"},
		"host stays fixed": {"https://example.com", "//evil.example/x", nil, "https://example.com/evil.example/x"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l, err := NewLinks(tt.base)
			if err != nil {
				t.Fatal(err)
			}
			if got := l.Link(tt.path, tt.query); got != tt.want {
				t.Errorf("Link(%q, %v) = %q, want %q", tt.path, tt.query, got, tt.want)
			}
			if !l.owns(l.Link(tt.path, tt.query)) {
				t.Errorf("owns(Link(%q)) = false, want true", tt.path)
			}
		})
	}
}

func TestLinksOwns(t *testing.T) {
	t.Parallel()
	l, err := NewLinks("https://example.com/portal")
	if err != nil {
		t.Fatal(err)
	}
	for link, want := range map[string]bool{
		"https://example.com/portal":              true,
		"https://example.com/portal/verify-email": true,
		"https://example.com/portalx/verify":      false,
		"https://example.com/other":               false,
		"http://example.com/portal/x":             false,
		"https://evil.example/portal/x":           false,
		"https://example.com.evil.example/portal": false,
		"https://u@example.com/portal/x":          false,
		"/portal/x":                               false,
	} {
		if got := l.owns(link); got != want {
			t.Errorf("owns(%q) = %v, want %v", link, got, want)
		}
	}
}
