package mail

import (
	"bytes"
	"errors"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// parsedMail is an RFC 5322 message read back as a mail client would: the
// header, the media types of its parts and the decoded message.
type parsedMail struct {
	Header mail.Header
	Types  []string
	Message
}

func parseEML(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("message has a bare LF; RFC 5322 wants CRLF")
	}
	header, parts, err := readParts(raw)
	if err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	m, err := ReadMessage(raw)
	if err != nil {
		t.Fatalf("ReadMessage: %v\n%s", err, raw)
	}
	p := parsedMail{Header: header, Message: m}
	mediaType, _, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", header.Get("Content-Type"), err)
	}
	if mediaType != "multipart/alternative" {
		if cte := header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Fatalf("Content-Transfer-Encoding = %q, want quoted-printable", cte)
		}
		p.Types = []string{mediaType}
		return p
	}
	for _, part := range parts {
		if part.params["charset"] != "utf-8" {
			t.Errorf("part %s charset = %q, want utf-8", part.mediaType, part.params["charset"])
		}
		p.Types = append(p.Types, part.mediaType)
	}
	return p
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

// TestReadMessageErrors: what no sender writes is an error that names the
// place. The messages senders write are read back by parseEML in TestCompose
// and TestOutboxSend.
func TestReadMessageErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ raw, want string }{
		"no header":           {"", "read mail: EOF"},
		"bad content type":    {"Content-Type: text/\r\n\r\nx", "read mail: Content-Type: "},
		"multipart unclosed":  {"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n", "read mail: "},
		"bad part type":       {"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/\r\n\r\nx\r\n--b--\r\n", "read mail: part Content-Type: "},
		"bad encoded subject": {"Subject: =?x-unknown?q?abc?=\r\nContent-Type: text/plain\r\n\r\nx", "read mail: Subject: "},
	}
	for name, tt := range tests {
		if m, err := ReadMessage([]byte(tt.raw)); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: ReadMessage(%q) = %+v, %v; want an error starting %q", name, tt.raw, m, err, tt.want)
		}
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
