package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/portal-dev/portal/functions/mail"
)

// localMailer renders the portal's mail templates (templateDir overrides
// them when it exists) and delivers to the data folder's outbox, printing
// each message's links on console.
func localMailer(data, baseURL, portalName, templateDir string, console io.Writer) (*mail.Mailer, error) {
	out, err := mail.NewOutbox(filepath.Join(data, "outbox"), console, "Portal <portal@localhost>")
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
