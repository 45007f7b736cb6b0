package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strconv"
	"time"
)

// SMTPConfig configures an [SMTP] sender.
type SMTPConfig struct {
	// Host and Port locate the server, e.g. "email-smtp.eu-west-1.amazonaws.com"
	// and 587. Port defaults to 587 (submission), or 465 with ImplicitTLS.
	Host string
	Port int
	// Username and Password, when Username is set, authenticate with AUTH
	// PLAIN, only ever over TLS (or plaintext to a loopback host).
	Username string
	Password string
	// From is the From address, e.g. "Acme APIs <portal@acme.example>".
	From string
	// ImplicitTLS speaks TLS from the first byte (port 465) instead of
	// upgrading with STARTTLS.
	ImplicitTLS bool
	// AllowPlaintext accepts a server that does not offer STARTTLS. It is
	// only accepted for a loopback host (a local catcher such as Mailpit).
	AllowPlaintext bool
	// TLSConfig, when set, is cloned for the TLS handshake (RootCAs, for
	// instance); its ServerName defaults to Host.
	TLSConfig *tls.Config
	// LocalName is the name sent with EHLO; defaults to "localhost".
	LocalName string
	// Timeout bounds one whole delivery, connection included; defaults to
	// 30 seconds. A deadline on the context also applies.
	Timeout time.Duration
}

// SMTP sends mail through an SMTP submission server with net/smtp.
type SMTP struct {
	cfg  SMTPConfig
	from *mail.Address
	// dial opens the TCP connection; tests point a non-local Host at a
	// loopback server with it.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// ErrPlaintext is returned when a delivery would send mail or credentials
// unencrypted to a server that is not on this machine.
var ErrPlaintext = errors.New("smtp server offers no TLS")

// NewSMTP returns an SMTP sender for cfg.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, errors.New("mail: smtp host not set")
	}
	if cfg.Port == 0 {
		cfg.Port = 587
		if cfg.ImplicitTLS {
			cfg.Port = 465
		}
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: smtp port %d out of range", cfg.Port)
	}
	if cfg.AllowPlaintext && !isLoopback(cfg.Host) {
		return nil, fmt.Errorf("mail: smtp plaintext is only allowed to a loopback host, not %s: remove the plaintext setting and use a server with STARTTLS", cfg.Host)
	}
	from, err := parseFrom(cfg.From)
	if err != nil {
		return nil, err
	}
	if cfg.LocalName == "" {
		cfg.LocalName = "localhost"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	d := &net.Dialer{}
	return &SMTP{cfg: cfg, from: from, dial: d.DialContext}, nil
}

// Send delivers msg in one SMTP session.
func (s *SMTP) Send(ctx context.Context, msg Message) error {
	to, err := msg.validate()
	if err != nil {
		return err
	}
	raw, err := compose(s.from, to, msg, time.Now())
	if err != nil {
		return fmt.Errorf("compose mail to %s: %w", to.Address, err)
	}
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	if err := s.deliver(ctx, addr, to.Address, raw); err != nil {
		return fmt.Errorf("smtp %s: send mail to %s: %w", addr, to.Address, err)
	}
	return nil
}

func (s *SMTP) deliver(ctx context.Context, addr, rcpt string, raw []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	conn, err := s.dial(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	// net/smtp has no context: bound every read and write by the deadline,
	// and drop the connection if the context ends first.
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	tlsConfig := s.tlsConfig()
	if s.cfg.ImplicitTLS {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("tls: %w", withContext(ctx, err))
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.cfg.Host) // reads the greeting
	if err != nil {
		return withContext(ctx, err)
	}
	defer c.Close()
	if err := c.Hello(s.cfg.LocalName); err != nil {
		return withContext(ctx, err)
	}
	if !s.cfg.ImplicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return fmt.Errorf("starttls: %w", withContext(ctx, err))
			}
		} else if !s.cfg.AllowPlaintext || !isLoopback(s.cfg.Host) {
			return fmt.Errorf("%w: %s does not offer STARTTLS; use a server that does, or ImplicitTLS on port 465", ErrPlaintext, s.cfg.Host)
		}
	}
	if s.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("server does not offer AUTH but credentials are configured")
		}
		// net/smtp's PlainAuth also refuses an unencrypted non-local server.
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return fmt.Errorf("auth: %w", withContext(ctx, err))
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return withContext(ctx, err)
	}
	if err := c.Rcpt(rcpt); err != nil {
		return withContext(ctx, err)
	}
	w, err := c.Data()
	if err != nil {
		return withContext(ctx, err)
	}
	if _, err := w.Write(raw); err != nil {
		return withContext(ctx, err)
	}
	if err := w.Close(); err != nil {
		return withContext(ctx, err)
	}
	return withContext(ctx, c.Quit())
}

func (s *SMTP) tlsConfig() *tls.Config {
	var c *tls.Config
	if s.cfg.TLSConfig != nil {
		c = s.cfg.TLSConfig.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = s.cfg.Host
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// withContext prefers the context's error, which says why a connection
// closed under net/smtp (timeout, cancellation).
func withContext(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The connection's deadline is the context's and may fire first.
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
