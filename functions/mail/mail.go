// Package mail composes and sends the portal's transactional mail: email
// confirmation, password reset and the notices of approvals, rejections and
// revocations.
//
// Templates are Markdown with a subject in front matter, rendered to an HTML
// part and a plain-text part. Three senders deliver the result: [Outbox]
// (console and an .eml folder, the local default), [SMTP] and [SES]. Links
// in mail are built from the configured portal URL ([Links]), never from a
// request.
package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// Message is one mail ready to send: the rendered subject and parts, and the
// links it carries (printed on the console by [Outbox]).
type Message struct {
	// To is the recipient's address, e.g. "dev@example.com" or
	// "Ada Lovelace <ada@example.com>".
	To string
	// Subject is plain text; senders encode it (RFC 2047) when needed.
	Subject string
	// Text is the text/plain part. Every message has one.
	Text string
	// HTML is the text/html part; empty for a text-only message.
	HTML string
	// Links are the absolute URLs the message links to, in order.
	Links []string
	// Template names the template the message was rendered from, if any.
	Template string
}

// Sender delivers a message. Consumers may declare their own copy of this
// interface; [Outbox], [SMTP] and [SES] all satisfy it.
type Sender interface {
	Send(ctx context.Context, msg Message) error
}

var (
	_ Sender = (*Outbox)(nil)
	_ Sender = (*SMTP)(nil)
	_ Sender = (*SES)(nil)
)

// ErrInvalidMessage is wrapped by every error about a message that no sender
// could deliver (no recipient, a malformed address, no text part).
var ErrInvalidMessage = errors.New("invalid message")

// validate checks what every sender needs and returns the parsed recipient.
func (m Message) validate() (*mail.Address, error) {
	if strings.TrimSpace(m.To) == "" {
		return nil, fmt.Errorf("%w: no recipient", ErrInvalidMessage)
	}
	to, err := parseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("%w: recipient %q: %v", ErrInvalidMessage, m.To, err)
	}
	if strings.TrimSpace(m.Subject) == "" {
		return nil, fmt.Errorf("%w: no subject", ErrInvalidMessage)
	}
	if m.Text == "" {
		return nil, fmt.Errorf("%w: no text part", ErrInvalidMessage)
	}
	return to, nil
}

// parseAddress parses one RFC 5322 address and refuses line breaks, which
// net/mail would otherwise fold away.
func parseAddress(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("contains a line break")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// parseFrom validates a sender's configured From address.
func parseFrom(from string) (*mail.Address, error) {
	if strings.TrimSpace(from) == "" {
		return nil, errors.New("mail: no from address: set the portal's sender address, e.g. \"Acme APIs <portal@acme.example>\"")
	}
	a, err := parseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: from address %q: %w", from, err)
	}
	return a, nil
}

// formatAddress writes a for a header: the bare address when there is no
// display name, else the name (RFC 2047 encoded when not ASCII) and address.
func formatAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	return a.String()
}
