package mail

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// parsedMail is an RFC 5322 message read back with the standard library,
// as a mail client would.
type parsedMail struct {
	Header  mail.Header
	Subject string // decoded (RFC 2047)
	Types   []string
	Text    string // LF line endings
	HTML    string
}

func parseEML(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("message has a bare LF; RFC 5322 wants CRLF")
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("mail.ReadMessage: %v\n%s", err, raw)
	}
	var p parsedMail
	p.Header = m.Header
	p.Subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode Subject %q: %v", m.Header.Get("Subject"), err)
	}
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	if mediaType != "multipart/alternative" {
		p.Types = []string{mediaType}
		p.Text = readQP(t, m.Header.Get("Content-Transfer-Encoding"), m.Body)
		return p
	}
	// multipart.Reader decodes quoted-printable parts itself.
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		typ, params, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("part Content-Type: %v", err)
		}
		if params["charset"] != "utf-8" {
			t.Errorf("part %s charset = %q, want utf-8", typ, params["charset"])
		}
		b, err := io.ReadAll(part)
		if err != nil {
			t.Fatalf("read part %s: %v", typ, err)
		}
		body := strings.ReplaceAll(string(b), "\r\n", "\n")
		p.Types = append(p.Types, typ)
		switch typ {
		case "text/plain":
			p.Text = body
		case "text/html":
			p.HTML = body
		}
	}
	return p
}

func readQP(t *testing.T, cte string, r io.Reader) string {
	t.Helper()
	if cte != "quoted-printable" {
		t.Fatalf("Content-Transfer-Encoding = %q, want quoted-printable", cte)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(r))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func TestCompose(t *testing.T) {
	t.Parallel()
	from := &mail.Address{Name: "Acme APIs", Address: "portal@acme.example"}
	to := &mail.Address{Address: "dev@example.com"}
	date := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)

	tests := map[string]struct {
		msg         Message
		wantSubject string
		wantTypes   []string
	}{
		"ascii": {
			msg:         Message{Subject: "Confirm your email address", Text: "Hi\nthere\n", HTML: "<p>Hi</p>\n"},
			wantSubject: "Confirm your email address",
			wantTypes:   []string{"text/plain", "text/html"},
		},
		"non-ascii subject is encoded": {
			msg:         Message{Subject: "Bestätigen Sie Ihre E-Mail-Adresse – Ürün", Text: "Grüße\n", HTML: "<p>Grüße</p>\n"},
			wantSubject: "Bestätigen Sie Ihre E-Mail-Adresse – Ürün",
			wantTypes:   []string{"text/plain", "text/html"},
		},
		"line breaks in the subject cannot add a header": {
			msg:         Message{Subject: "Hi\r\nBcc: evil@example.com", Text: "x\n", HTML: "<p>x</p>"},
			wantSubject: "Hi Bcc: evil@example.com",
			wantTypes:   []string{"text/plain", "text/html"},
		},
		"text only": {
			msg:         Message{Subject: "Plain", Text: "just text, with a long line " + strings.Repeat("abcdefghij", 20) + "\n"},
			wantSubject: "Plain",
			wantTypes:   []string{"text/plain"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := compose(from, to, tt.msg, date)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(raw), "\r\n") {
				if len(line) > 78 && !strings.HasPrefix(line, "Content-Type:") {
					t.Errorf("line longer than 78 characters: %q", line)
				}
			}
			got := parseEML(t, raw)
			if got.Subject != tt.wantSubject {
				t.Errorf("Subject = %q, want %q", got.Subject, tt.wantSubject)
			}
			if !isASCII(got.Header.Get("Subject")) {
				t.Errorf("raw Subject header %q is not ASCII (RFC 2047)", got.Header.Get("Subject"))
			}
			if got.Header.Get("Bcc") != "" {
				t.Errorf("Bcc header = %q, want none", got.Header.Get("Bcc"))
			}
			if want := `"Acme APIs" <portal@acme.example>`; got.Header.Get("From") != want {
				t.Errorf("From = %q, want %q", got.Header.Get("From"), want)
			}
			if want := "dev@example.com"; got.Header.Get("To") != want {
				t.Errorf("To = %q, want %q", got.Header.Get("To"), want)
			}
			if d, err := got.Header.Date(); err != nil || !d.Equal(date) {
				t.Errorf("Date = %v, %v; want %v", d, err, date)
			}
			if id := got.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@acme.example>") {
				t.Errorf("Message-ID = %q, want <…@acme.example>", id)
			}
			if got.Header.Get("MIME-Version") != "1.0" {
				t.Errorf("MIME-Version = %q, want 1.0", got.Header.Get("MIME-Version"))
			}
			if strings.Join(got.Types, ",") != strings.Join(tt.wantTypes, ",") {
				t.Errorf("parts = %v, want %v", got.Types, tt.wantTypes)
			}
			if got.Text != tt.msg.Text {
				t.Errorf("text part = %q, want %q", got.Text, tt.msg.Text)
			}
			if got.HTML != tt.msg.HTML {
				t.Errorf("html part = %q, want %q", got.HTML, tt.msg.HTML)
			}
		})
	}
}

func TestMessageValidate(t *testing.T) {
	t.Parallel()
	ok := Message{To: "dev@example.com", Subject: "s", Text: "t"}
	tests := map[string]func(*Message){
		"no recipient":        func(m *Message) { m.To = "" },
		"malformed recipient": func(m *Message) { m.To = "not an address" },
		"header injection":    func(m *Message) { m.To = "dev@example.com\r\nBcc: evil@example.com" },
		"two recipients":      func(m *Message) { m.To = "a@example.com, b@example.com" },
		"no subject":          func(m *Message) { m.Subject = " " },
		"no text":             func(m *Message) { m.Text = "" },
	}
	if _, err := ok.validate(); err != nil {
		t.Fatalf("validate(%+v) = %v, want nil", ok, err)
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := ok
			mutate(&m)
			if _, err := m.validate(); !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("validate(%+v) = %v, want ErrInvalidMessage", m, err)
			}
		})
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
