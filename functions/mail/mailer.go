package mail

import (
	"context"
	"errors"
	"fmt"
	"net/url"
)

// Config is what the portal knows about itself for mail.
type Config struct {
	// BaseURL is the portal's absolute URL, e.g. "https://developer.acme.example";
	// every link in mail starts with it.
	BaseURL string
	// PortalName is the display name used in subjects and bodies.
	PortalName string
}

// Mailer renders templates for the portal and hands the result to a Sender.
type Mailer struct {
	links     Links
	name      string
	templates *Templates
	sender    Sender
}

// New returns a Mailer for cfg that renders with templates (nil for the
// defaults) and sends with sender.
func New(cfg Config, templates *Templates, sender Sender) (*Mailer, error) {
	links, err := NewLinks(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.PortalName == "" {
		return nil, errors.New("mail: portal name not set")
	}
	if sender == nil {
		return nil, errors.New("mail: sender not set")
	}
	if templates == nil {
		templates = DefaultTemplates()
	}
	return &Mailer{links: links, name: cfg.PortalName, templates: templates, sender: sender}, nil
}

// Link returns the absolute URL of path in the portal, with query.
func (m *Mailer) Link(path string, query url.Values) string {
	return m.links.Link(path, query)
}

// Send renders the template name for to and sends it. It fills in
// PortalName and PortalURL, and refuses a data.Link that does not point
// into the portal: build it with [Mailer.Link].
func (m *Mailer) Send(ctx context.Context, to, name string, data Data) error {
	if data.Link != "" && !m.links.owns(data.Link) {
		return fmt.Errorf("mail %s: link %q is not under the portal URL %s: build it with Mailer.Link", name, data.Link, m.links.BaseURL())
	}
	data.PortalName = m.name
	data.PortalURL = m.links.BaseURL()
	msg, err := m.templates.Render(name, to, data)
	if err != nil {
		return err
	}
	return m.sender.Send(ctx, msg)
}
