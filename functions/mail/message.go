package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode"
)

// compose writes m as an RFC 5322 message with CRLF line endings: a
// multipart/alternative of text/plain and text/html, or text/plain alone
// when m has no HTML. Both SMTP and the outbox write exactly these bytes.
func compose(from, to *mail.Address, m Message, date time.Time) ([]byte, error) {
	id, err := messageID(from)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("Date", date.Format(time.RFC1123Z))
	header("From", formatAddress(from))
	header("To", formatAddress(to))
	header("Subject", fold(len("Subject: "), mime.QEncoding.Encode("utf-8", headerText(m.Subject))))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	// RFC 3834: tells auto-responders (vacation replies) not to answer.
	header("Auto-Submitted", "auto-generated")

	if m.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	// Order matters: clients show the last part they can render (RFC 2046).
	for _, p := range []struct{ typ, content string }{
		{"text/plain; charset=utf-8", m.Text},
		{"text/html; charset=utf-8", m.HTML},
	} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(pw, p.content); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	b.Write(body.Bytes())
	return b.Bytes(), nil
}

func writeQP(w interface{ Write([]byte) (int, error) }, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return err
	}
	return qp.Close()
}

// messageID returns a unique Message-ID in the From address's domain.
func messageID(from *mail.Address) (string, error) {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	domain := "localhost"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 && i+1 < len(from.Address) {
		domain = from.Address[i+1:]
	}
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">", nil
}

// headerText turns s into one line of text for a header: runs of spaces
// and control characters, line breaks included, become one space, so a value
// cannot add a header.
func headerText(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

// fold breaks a header value at spaces so that lines stay within 78
// characters where it can (RFC 5322 2.2.3); unfolding restores the value,
// and a break between two encoded words is ignored by decoders.
func fold(used int, v string) string {
	var b strings.Builder
	n := used
	for i, w := range strings.Split(v, " ") {
		if i == 0 && n+len(w) > 78 {
			b.WriteString("\r\n ")
			n = 1
		}
		if i > 0 {
			if n+1+len(w) > 78 {
				b.WriteString("\r\n")
				n = 0
			}
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
