package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// The SMTP tests talk to a real SMTP server (emersion/go-smtp) listening on
// 127.0.0.1: EHLO, STARTTLS with a real TLS handshake, AUTH PLAIN, MAIL,
// RCPT and DATA with dot-stuffing all cross a socket as they would to a
// production server. Only the mailbox behind it is a slice in memory.

const (
	smtpUser = "portal"
	smtpPass = "s3cret pass"
)

type received struct {
	From, To string
	Data     []byte
	TLS      bool
	User     string
}

type smtpServer struct {
	Port int

	mu    sync.Mutex
	msgs  []received
	auths int // AUTH commands that reached the backend
}

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

func (s *smtpServer) authAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auths
}

type smtpSession struct {
	srv  *smtpServer
	conn *gosmtp.Conn
	user string
	rcv  received
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	s.srv.mu.Lock()
	s.srv.auths++
	s.srv.mu.Unlock()
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != smtpUser || pass != smtpPass {
			return errors.New("invalid username or password")
		}
		s.user = user
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.user == "" {
		return gosmtp.ErrAuthRequired
	}
	s.rcv.From = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.rcv.To = to
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.rcv.Data = b
	_, s.rcv.TLS = s.conn.TLSConnectionState()
	s.rcv.User = s.user
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, s.rcv)
	s.srv.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        { s.rcv = received{} }
func (s *smtpSession) Logout() error { return nil }

type serverOptions struct {
	startTLS    bool // offer STARTTLS (and require it before AUTH)
	implicitTLS bool // TLS from the first byte
}

// setupSMTP starts a real SMTP server on 127.0.0.1 and returns it with a
// client TLS config trusting its certificate.
func setupSMTP(t *testing.T, opts serverOptions) (*smtpServer, *tls.Config) {
	t.Helper()
	srv := &smtpServer{}
	s := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &smtpSession{srv: srv, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.ErrorLog = discardLogger{}
	serverTLS, clientTLS := testCertificate(t)
	// Without TLS the server must still accept AUTH for the loopback case.
	s.AllowInsecureAuth = !opts.startTLS && !opts.implicitTLS
	if opts.startTLS {
		s.TLSConfig = serverTLS
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.implicitTLS {
		l = tls.NewListener(l, serverTLS)
	}
	srv.Port = l.Addr().(*net.TCPAddr).Port
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return srv, clientTLS
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

// testCertificate makes a self-signed certificate for 127.0.0.1, localhost
// and smtp.example.com.
func testCertificate(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "portal test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost", "smtp.example.com"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

// loopbackDial sends every connection to port on 127.0.0.1, so a sender
// configured for a remote host name reaches the test server.
func loopbackDial(port int) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	}
}

func newSMTP(t *testing.T, cfg SMTPConfig) *SMTP {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "Acme APIs <portal@acme.example>"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testMessage(t *testing.T) Message {
	t.Helper()
	m, err := DefaultTemplates().Render(ConfirmEmailAddress, "dev@example.com", sampleData)
	if err != nil {
		t.Fatal(err)
	}
	// A line with a lone dot must survive DATA's dot-stuffing.
	m.Text += ".\n..\n"
	return m
}

func TestSMTPStartTLSAndAuth(t *testing.T) {
	t.Parallel()
	srv, clientTLS := setupSMTP(t, serverOptions{startTLS: true})
	s := newSMTP(t, SMTPConfig{Host: "127.0.0.1", Port: srv.Port, Username: smtpUser, Password: smtpPass, TLSConfig: clientTLS})
	msg := testMessage(t)
	if err := s.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send = %v", err)
	}
	got := srv.messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	r := got[0]
	if !r.TLS || r.User != smtpUser {
		t.Errorf("session TLS = %v, user = %q; want TLS and %q", r.TLS, r.User, smtpUser)
	}
	if r.From != "portal@acme.example" || r.To != "dev@example.com" {
		t.Errorf("envelope = %s -> %s, want portal@acme.example -> dev@example.com", r.From, r.To)
	}
	p := parseEML(t, r.Data)
	if p.Subject != msg.Subject || p.Header.Get("To") != "dev@example.com" || p.Header.Get("From") != `"Acme APIs" <portal@acme.example>` {
		t.Errorf("headers = %v, subject %q", p.Header, p.Subject)
	}
	if p.Text != msg.Text {
		t.Errorf("text part = %q, want %q", p.Text, msg.Text)
	}
	if p.HTML != msg.HTML {
		t.Errorf("html part = %q, want %q", p.HTML, msg.HTML)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	t.Parallel()
	srv, clientTLS := setupSMTP(t, serverOptions{implicitTLS: true})
	s := newSMTP(t, SMTPConfig{Host: "localhost", Port: srv.Port, ImplicitTLS: true, Username: smtpUser, Password: smtpPass, TLSConfig: clientTLS})
	if err := s.Send(context.Background(), testMessage(t)); err != nil {
		t.Fatalf("Send = %v", err)
	}
	if got := srv.messages(); len(got) != 1 || !got[0].TLS {
		t.Errorf("server received %+v, want one message over TLS", got)
	}
}

func TestSMTPRemoteHostVerifiesCertificate(t *testing.T) {
	t.Parallel()
	srv, clientTLS := setupSMTP(t, serverOptions{startTLS: true})

	s := newSMTP(t, SMTPConfig{Host: "smtp.example.com", Username: smtpUser, Password: smtpPass, TLSConfig: clientTLS})
	s.dial = loopbackDial(srv.Port)
	if err := s.Send(context.Background(), testMessage(t)); err != nil {
		t.Fatalf("Send with a trusted certificate = %v", err)
	}

	untrusted := newSMTP(t, SMTPConfig{Host: "smtp.example.com", Username: smtpUser, Password: smtpPass})
	untrusted.dial = loopbackDial(srv.Port)
	var certErr *tls.CertificateVerificationError
	if err := untrusted.Send(context.Background(), testMessage(t)); !errors.As(err, &certErr) {
		t.Errorf("Send with an untrusted certificate = %v, want a certificate verification error", err)
	}
	if n := len(srv.messages()); n != 1 {
		t.Errorf("server received %d messages, want 1", n)
	}
}

func TestSMTPWrongPassword(t *testing.T) {
	t.Parallel()
	srv, clientTLS := setupSMTP(t, serverOptions{startTLS: true})
	s := newSMTP(t, SMTPConfig{Host: "127.0.0.1", Port: srv.Port, Username: smtpUser, Password: "wrong", TLSConfig: clientTLS})
	if err := s.Send(context.Background(), testMessage(t)); err == nil {
		t.Fatal("Send with a wrong password = nil, want an error")
	}
	if n := len(srv.messages()); n != 0 {
		t.Errorf("server received %d messages, want 0", n)
	}
}

func TestSMTPRefusesPlaintext(t *testing.T) {
	t.Parallel()
	srv, _ := setupSMTP(t, serverOptions{}) // no STARTTLS offered

	tests := map[string]struct {
		host  string
		allow bool
	}{
		// The default: a server without STARTTLS is refused, even local.
		"loopback without opt-in": {host: "127.0.0.1"},
		// Credentials and tokens never cross the network in clear.
		"remote host": {host: "smtp.example.com"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			s := newSMTP(t, SMTPConfig{Host: tt.host, Port: srv.Port, Username: smtpUser, Password: smtpPass, AllowPlaintext: tt.allow})
			s.dial = loopbackDial(srv.Port)
			if err := s.Send(context.Background(), testMessage(t)); !errors.Is(err, ErrPlaintext) {
				t.Errorf("Send = %v, want ErrPlaintext", err)
			}
		})
	}
	if n := srv.authAttempts(); n != 0 {
		t.Errorf("server saw %d AUTH commands, want 0", n)
	}
	if n := len(srv.messages()); n != 0 {
		t.Errorf("server received %d messages, want 0", n)
	}

	if _, err := NewSMTP(SMTPConfig{Host: "smtp.example.com", From: "portal@acme.example", AllowPlaintext: true}); err == nil {
		t.Error("NewSMTP(AllowPlaintext to smtp.example.com) = nil error, want a refusal")
	}
}

func TestSMTPPlaintextToLoopbackWhenAllowed(t *testing.T) {
	t.Parallel()
	srv, _ := setupSMTP(t, serverOptions{})
	s := newSMTP(t, SMTPConfig{Host: "127.0.0.1", Port: srv.Port, Username: smtpUser, Password: smtpPass, AllowPlaintext: true})
	if err := s.Send(context.Background(), testMessage(t)); err != nil {
		t.Fatalf("Send = %v", err)
	}
	if got := srv.messages(); len(got) != 1 || got[0].TLS || got[0].User != smtpUser {
		t.Errorf("server received %+v, want one plaintext authenticated message", got)
	}
}

func TestSMTPTimeout(t *testing.T) {
	t.Parallel()
	// A server that accepts and never greets.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port

	t.Run("timeout", func(t *testing.T) {
		s := newSMTP(t, SMTPConfig{Host: "127.0.0.1", Port: port, Timeout: 200 * time.Millisecond})
		start := time.Now()
		err := s.Send(context.Background(), testMessage(t))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Send = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Send took %v, want about 200ms", d)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		s := newSMTP(t, SMTPConfig{Host: "127.0.0.1", Port: port})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		if err := s.Send(ctx, testMessage(t)); !errors.Is(err, context.Canceled) {
			t.Errorf("Send = %v, want context.Canceled", err)
		}
	})
}
