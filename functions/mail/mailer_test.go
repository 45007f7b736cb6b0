package mail

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMailerSendsThroughOutbox(t *testing.T) {
	t.Parallel()
	m, o, console := setupMailer(t, "http://127.0.0.1:8080")
	link := m.Link("/verify-email", url.Values{"token": {"tok123"}})
	if err := m.Send(context.Background(), "dev@example.com", ConfirmEmailAddress, Data{FullName: "Ada Lovelace", Link: link}); err != nil {
		t.Fatalf("Send = %v", err)
	}
	want := "mail to dev@example.com: Confirm your email address for Acme APIs\n  http://127.0.0.1:8080/verify-email?token=tok123\n"
	if got := console.String(); got != want {
		t.Errorf("console = %q, want %q", got, want)
	}
	files := outboxFiles(t, o.Dir())
	if len(files) != 1 {
		t.Fatalf("outbox has %v, want one file", files)
	}
	raw, err := os.ReadFile(filepath.Join(o.Dir(), files[0]))
	if err != nil {
		t.Fatal(err)
	}
	p := parseEML(t, raw)
	if !strings.Contains(p.Text, "Confirm your email address <http://127.0.0.1:8080/verify-email?token=tok123>") {
		t.Errorf("text part lacks the link:\n%s", p.Text)
	}
	if !strings.Contains(p.HTML, `href="http://127.0.0.1:8080/verify-email?token=tok123"`) || !strings.Contains(p.HTML, `href="http://127.0.0.1:8080"`) {
		t.Errorf("html part lacks the links:\n%s", p.HTML)
	}
}

func TestMailerRefusesForeignLink(t *testing.T) {
	t.Parallel()
	m, o, console := setupMailer(t, "https://developer.acme.example")
	// What a handler would build from a forged Host header.
	forged := "https://evil.example/reset-password?token=secret"
	if err := m.Send(context.Background(), "dev@example.com", ResetPassword, Data{FullName: "Ada", Link: forged}); err == nil {
		t.Fatal("Send with a link outside the portal = nil error, want one")
	}
	if console.String() != "" || len(outboxFiles(t, o.Dir())) != 0 {
		t.Error("a message went out")
	}
}

func TestNewMailerErrors(t *testing.T) {
	t.Parallel()
	o, _ := setupOutbox(t)
	for name, tt := range map[string]struct {
		cfg    Config
		sender Sender
	}{
		"relative base URL": {Config{BaseURL: "developer.acme.example", PortalName: "Acme"}, o},
		"no portal name":    {Config{BaseURL: "https://developer.acme.example"}, o},
		"no sender":         {Config{BaseURL: "https://developer.acme.example", PortalName: "Acme"}, nil},
	} {
		if _, err := New(tt.cfg, nil, tt.sender); err == nil {
			t.Errorf("%s: New = nil error, want one", name)
		}
	}
}
