package mail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/internal/syncio"
)

func setupOutbox(t *testing.T) (*Outbox, *syncio.Buffer) {
	t.Helper()
	console := &syncio.Buffer{}
	o, err := NewOutbox(filepath.Join(t.TempDir(), "outbox"), console, "Acme APIs <portal@acme.example>")
	if err != nil {
		t.Fatal(err)
	}
	return o, console
}

// setupMailer is Acme APIs' mailer for baseURL, with the default
// templates, sending through a test outbox.
func setupMailer(t *testing.T, baseURL string) (*Mailer, *Outbox, *syncio.Buffer) {
	t.Helper()
	o, console := setupOutbox(t)
	m, err := New(Config{BaseURL: baseURL, PortalName: "Acme APIs"}, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	return m, o, console
}

func outboxFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestOutboxSend(t *testing.T) {
	t.Parallel()
	o, console := setupOutbox(t)
	msgs, err := renderAll(DefaultTemplates(), "dev@example.com", sampleData, ConfirmEmailAddress, ResetPassword)
	if err != nil {
		t.Fatal(err)
	}
	msgs = append(msgs, Message{To: "Zoë Ünal <zoe@example.com>", Subject: "Grüße aus Köln", Text: "Hallo\n", Template: "ad-hoc"})
	for _, m := range msgs {
		if err := o.Send(context.Background(), m); err != nil {
			t.Fatalf("Send(%s) = %v", m.Template, err)
		}
	}

	files := outboxFiles(t, o.Dir())
	if len(files) != len(msgs) {
		t.Fatalf("outbox has %v, want %d files", files, len(msgs))
	}
	if !slices.IsSorted(files) {
		t.Errorf("files %v are not in sending order when sorted by name", files)
	}
	for i, name := range files {
		m := msgs[i]
		if !strings.HasSuffix(name, "-"+m.Template+".eml") {
			t.Errorf("file %d = %s, want a name ending in -%s.eml", i, name, m.Template)
		}
		path := filepath.Join(o.Dir(), name)
		if runtime.GOOS != "windows" {
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s mode = %v, %v; want 0600 (mail carries tokens)", name, fi.Mode(), err)
			}
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got := parseEML(t, raw)
		if got.Header.Get("From") != `"Acme APIs" <portal@acme.example>` {
			t.Errorf("%s: From = %q", name, got.Header.Get("From"))
		}
		wantTo := m.To
		if m.Template == "ad-hoc" {
			wantTo = "=?utf-8?q?Zo=C3=AB_=C3=9Cnal?= <zoe@example.com>"
		}
		if got.Header.Get("To") != wantTo {
			t.Errorf("%s: To = %q, want %q", name, got.Header.Get("To"), wantTo)
		}
		if got.To != m.To { // decoded by ReadMessage
			t.Errorf("%s: ReadMessage To = %q, want %q", name, got.To, m.To)
		}
		if got.Subject != m.Subject {
			t.Errorf("%s: Subject = %q, want %q", name, got.Subject, m.Subject)
		}
		for _, h := range []string{"Date", "Message-ID"} {
			if got.Header.Get(h) == "" {
				t.Errorf("%s: no %s header", name, h)
			}
		}
		if got.Header.Get("MIME-Version") != "1.0" {
			t.Errorf("%s: MIME-Version = %q", name, got.Header.Get("MIME-Version"))
		}
		if got.Text != m.Text {
			t.Errorf("%s: text part = %q, want %q", name, got.Text, m.Text)
		}
		if got.HTML != m.HTML {
			t.Errorf("%s: html part = %q, want %q", name, got.HTML, m.HTML)
		}
		if m.HTML != "" && !slices.Equal(got.Types, []string{"text/plain", "text/html"}) {
			t.Errorf("%s: parts = %v, want text/plain then text/html", name, got.Types)
		}
	}

	link := sampleData.Link
	want := "mail to dev@example.com: Confirm your email address for Acme APIs\n" +
		"  " + link + "\n" +
		"mail to dev@example.com: Reset your password for Acme APIs\n" +
		"  " + link + "\n" +
		"mail to zoe@example.com: Grüße aus Köln\n"
	if got := console.String(); got != want {
		t.Errorf("console = %q, want %q", got, want)
	}
}

func TestOutboxConcurrentSends(t *testing.T) {
	t.Parallel()
	o, console := setupOutbox(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- o.Send(context.Background(), Message{
				To:      fmt.Sprintf("dev%d@example.com", i),
				Subject: "Reset your password",
				Text:    "x\n",
				HTML:    "<p>x</p>",
				Links:   []string{fmt.Sprintf("http://127.0.0.1:8080/reset-password?token=%d", i)},
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if files := outboxFiles(t, o.Dir()); len(files) != n {
		t.Errorf("outbox has %d files, want %d: %v", len(files), n, files)
	}
	// Each message's two lines stay together.
	lines := strings.Split(strings.TrimSuffix(console.String(), "\n"), "\n")
	if len(lines) != 2*n {
		t.Fatalf("console has %d lines, want %d", len(lines), 2*n)
	}
	for i := 0; i < len(lines); i += 2 {
		var k int
		if _, err := fmt.Sscanf(lines[i], "mail to dev%d@example.com:", &k); err != nil {
			t.Fatalf("line %q: %v", lines[i], err)
		}
		if want := fmt.Sprintf("  http://127.0.0.1:8080/reset-password?token=%d", k); lines[i+1] != want {
			t.Errorf("line after %q = %q, want %q", lines[i], lines[i+1], want)
		}
	}
}

func TestOutboxRefusesInvalidMessage(t *testing.T) {
	t.Parallel()
	o, console := setupOutbox(t)
	err := o.Send(context.Background(), Message{To: "dev@example.com\r\nBcc: evil@example.com", Subject: "s", Text: "t"})
	if !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("Send = %v, want ErrInvalidMessage", err)
	}
	if files := outboxFiles(t, o.Dir()); len(files) != 0 {
		t.Errorf("outbox has %v, want nothing", files)
	}
	if console.String() != "" {
		t.Errorf("console = %q, want nothing", console.String())
	}
}

func TestNewOutboxErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := map[string]struct {
		dir, from string
	}{
		"no folder":      {"", "portal@acme.example"},
		"no from":        {dir, ""},
		"bad from":       {dir, "portal at acme"},
		"folder is file": {filepath.Join(dir, "file", "outbox"), "portal@acme.example"},
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewOutbox(tt.dir, nil, tt.from); err == nil {
				t.Errorf("NewOutbox(%q, nil, %q) = nil error, want one", tt.dir, tt.from)
			}
		})
	}
}

// TestReadOutbox reads back what an Outbox sent, in the order sent, with
// the templates its files are named after; a file still being written is
// not read.
func TestReadOutbox(t *testing.T) {
	t.Parallel()
	o, _ := setupOutbox(t)
	sent := []Message{
		{To: "Zoë Ünal <zoe@example.com>", Subject: "Grüße aus Köln", Text: "Hallo =\n", HTML: "<p>Hallo</p>\n", Links: []string{"https://portal.example/"}, Template: "confirm-email-address"},
		{To: "dev@example.com", Subject: "Plain", Text: "no template, no HTML\n"},
	}
	for _, m := range sent {
		if err := o.Send(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(o.Dir(), ".tmp-123.eml"), []byte("half a mess"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadOutbox(o.Dir())
	if err != nil {
		t.Fatal(err)
	}
	want := []Message{sent[0], sent[1]}
	want[0].Links = nil // not in the message
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadOutbox mismatch (-want +got):\n%s", diff)
	}
}

// renderAll renders the named templates for to.
func renderAll(tm *Templates, to string, data Data, names ...string) ([]Message, error) {
	var out []Message
	for _, n := range names {
		m, err := tm.Render(n, to, data)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
