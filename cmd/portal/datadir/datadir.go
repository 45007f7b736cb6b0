// Package datadir is the local data folder of `portal serve` and the
// local admin commands (.portal by default): the embedded store
// (portal.db), the mail outbox, and the URL the last `portal serve` ran
// at (base-url), for the links in mails that admin commands send.
package datadir

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/portal-dev/portal/functions/boltstore"
	"github.com/portal-dev/portal/functions/mail"
)

// OpenStore opens the folder's store, creating both if needed, and fails
// fast when another process (`portal serve`) holds it.
func OpenStore(dir string) (*boltstore.Store, error) {
	path := filepath.Join(dir, "portal.db")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	type result struct {
		s   *boltstore.Store
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := boltstore.Open(path)
		ch <- result{s, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("open %s: %w", path, r.err)
		}
		return r.s, nil
	case <-time.After(2 * time.Second):
		return nil, fmt.Errorf("%s is in use (is portal serve running?); use --url http://127.0.0.1:8080 --token <admin token> instead", path)
	}
}

// Mailer renders the portal's mail templates (templateDir overrides them
// when it exists) and delivers to the folder's outbox, printing each
// message's links on console.
func Mailer(dir, baseURL, portalName, templateDir string, console io.Writer) (*mail.Mailer, error) {
	out, err := mail.NewOutbox(filepath.Join(dir, "outbox"), console, "Portal <portal@localhost>")
	if err != nil {
		return nil, fmt.Errorf("mail outbox: %w", err)
	}
	templates := mail.DefaultTemplates()
	if templateDir != "" {
		if st, err := os.Stat(templateDir); err == nil && st.IsDir() {
			if templates, err = mail.LoadTemplates(templateDir); err != nil {
				return nil, err
			}
		}
	}
	if portalName == "" {
		portalName = "Developer Portal"
	}
	return mail.New(mail.Config{BaseURL: baseURL, PortalName: portalName}, templates, out)
}

// BaseURL is the URL `portal serve` last ran at for this folder
// (SetBaseURL), else its default.
func BaseURL(dir string) string {
	if b, err := os.ReadFile(filepath.Join(dir, "base-url")); err == nil && len(bytes.TrimSpace(b)) > 0 {
		return string(bytes.TrimSpace(b))
	}
	return "http://127.0.0.1:8080"
}

// SetBaseURL records the URL `portal serve` runs at, best effort.
func SetBaseURL(dir, url string) {
	os.WriteFile(filepath.Join(dir, "base-url"), []byte(url+"\n"), 0o644)
}
