package mail

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/internal/testfiles"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestTemplateNames(t *testing.T) {
	t.Parallel()
	want := []string{
		AccountAccessApproved, AccountAccessRejected, AccountAccessRevoked, AdminInvite, AdminResetPassword,
		AppRegistrationApproved, AppRegistrationRejected, AppRegistrationRevoked,
		ConfirmEmailAddress, ResetPassword,
	}
	if diff := cmp.Diff(want, TemplateNames()); diff != "" {
		t.Errorf("TemplateNames() (-want +got):\n%s", diff)
	}
}

func TestDefaultTemplatesRender(t *testing.T) {
	t.Parallel()
	tm := DefaultTemplates()
	withoutLink := []string{AccountAccessRejected, AccountAccessRevoked}
	for _, name := range TemplateNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, err := tm.Render(name, "dev@example.com", sampleData)
			if err != nil {
				t.Fatalf("Render = %v", err)
			}
			if m.To != "dev@example.com" || m.Template != name {
				t.Errorf("To, Template = %q, %q", m.To, m.Template)
			}
			for part, s := range map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML} {
				if strings.Contains(s, "{{") || strings.Contains(s, "<no value>") {
					t.Errorf("%s has an unexpanded placeholder: %q", part, s)
				}
				if !strings.Contains(s, sampleData.PortalName) && !strings.HasPrefix(name, "app-") {
					t.Errorf("%s does not name the portal: %q", part, s)
				}
			}
			if !strings.Contains(m.Text, "Hi Ada Lovelace,") || !strings.Contains(m.HTML, "Hi Ada Lovelace,") {
				t.Errorf("text or html does not greet the developer:\n%s\n%s", m.Text, m.HTML)
			}
			if strings.HasPrefix(name, "app-") {
				for _, s := range []string{m.Subject, m.Text, m.HTML} {
					if !strings.Contains(s, "Checkout") || !strings.Contains(s, "Payments") {
						t.Errorf("%q does not name the application and the API", s)
					}
				}
			}
			if slices.Contains(withoutLink, name) {
				if len(m.Links) != 0 {
					t.Errorf("Links = %v, want none", m.Links)
				}
				return
			}
			if diff := cmp.Diff([]string{sampleData.Link}, m.Links); diff != "" {
				t.Errorf("Links (-want +got):\n%s", diff)
			}
			if !strings.Contains(m.Text, "<"+sampleData.Link+">") {
				t.Errorf("text does not write out the link:\n%s", m.Text)
			}
			if !strings.Contains(m.HTML, `href="`+sampleData.Link+`"`) {
				t.Errorf("html does not link to %s:\n%s", sampleData.Link, m.HTML)
			}
		})
	}
}

// tagRE matches the tags of an HTML document with their attributes: its
// structure without its text (text has no "<" left unescaped).
var tagRE = regexp.MustCompile(`<[^>]*>`)

func TestRenderEscapesHostileData(t *testing.T) {
	t.Parallel()
	tm := DefaultTemplates()
	hostile := map[string]string{
		"script":               `<script>alert(1)</script>`,
		"javascript link":      `[click](javascript:alert(1))`,
		"link":                 `[click](https://evil.example/phish)`,
		"image":                `![x](https://evil.example/pixel.png)`,
		"autolink":             `<https://evil.example/phish>`,
		"html attribute":       `"><img src=x onerror=alert(1)>`,
		"entity":               `&lt;script&gt;`,
		"emphasis":             "**bold** _it_ `code`",
		"reference definition": "Ada\n\n[Confirm your email address]: https://evil.example\n",
		"heading and list":     "Ada\n# Heading\n- item\n<div>block</div>",
		"backslashes":          `\<b\>\\`,
	}
	for _, name := range TemplateNames() {
		clean, err := tm.Render(name, "dev@example.com", sampleData)
		if err != nil {
			t.Fatal(err)
		}
		for hname, v := range hostile {
			t.Run(name+"/"+hname, func(t *testing.T) {
				t.Parallel()
				d := sampleData
				d.FullName, d.APIName, d.ApplicationName = v, v, v
				m, err := tm.Render(name, "dev@example.com", d)
				if err != nil {
					t.Fatalf("Render = %v", err)
				}
				// The value only ever adds text: the HTML has the same
				// elements and attributes as with harmless data.
				if diff := cmp.Diff(tagRE.FindAllString(clean.HTML, -1), tagRE.FindAllString(m.HTML, -1)); diff != "" {
					t.Errorf("html structure changed (-clean +hostile):\n%s\n%s", diff, m.HTML)
				}
				if diff := cmp.Diff(clean.Links, m.Links); diff != "" {
					t.Errorf("Links changed (-clean +hostile):\n%s", diff)
				}
				// The text part shows what the developer typed, as typed
				// (runs of spaces and line breaks as one space), never as a
				// written-out link.
				literal := strings.Join(strings.Fields(v), " ")
				if !strings.Contains(m.Text, literal) {
					t.Errorf("text does not show %q literally:\n%s", v, m.Text)
				}
				if strings.Contains(m.Text, "<https://evil") && hname != "autolink" {
					t.Errorf("text writes out a link from the data:\n%s", m.Text)
				}
				if strings.ContainsAny(m.Subject, "\r\n") {
					t.Errorf("Subject %q has a line break", m.Subject)
				}
			})
		}
	}
}

func TestRenderRefusesBadLink(t *testing.T) {
	t.Parallel()
	for _, link := range []string{"javascript:alert(1)", "/verify-email?token=x", "//evil.example/x"} {
		d := sampleData
		d.Link = link
		if _, err := DefaultTemplates().Render(ConfirmEmailAddress, "dev@example.com", d); err == nil {
			t.Errorf("Render with Link %q = nil error, want one", link)
		}
	}
	if _, err := DefaultTemplates().Render("no-such-template", "dev@example.com", sampleData); err == nil {
		t.Error("Render(no-such-template) = nil error, want one")
	}
}

func TestRenderLinkSpecialCharacters(t *testing.T) {
	t.Parallel()
	d := sampleData
	d.Link = "https://developer.example.com/a(b)/c*d?token=x_y-z~&next=%2F"
	m, err := DefaultTemplates().Render(ConfirmEmailAddress, "dev@example.com", d)
	if err != nil {
		t.Fatal(err)
	}
	want := "https://developer.example.com/a%28b%29/c%2Ad?token=x_y-z~&next=%2F"
	if diff := cmp.Diff([]string{want}, m.Links); diff != "" {
		t.Errorf("Links (-want +got):\n%s", diff)
	}
	if !strings.Contains(m.HTML, `href="`+strings.ReplaceAll(want, "&", "&amp;")+`"`) {
		t.Errorf("html does not link to %s:\n%s", want, m.HTML)
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	m, err := DefaultTemplates().Render(ConfirmEmailAddress, "dev@example.com", Data{
		PortalName: "Acme APIs",
		PortalURL:  "https://developer.acme.example",
		FullName:   "Ada <Lovelace> & [Co](javascript:x)",
		Link:       "https://developer.acme.example/verify-email?token=abc123",
	})
	if err != nil {
		t.Fatal(err)
	}
	for file, got := range map[string]string{
		"confirm-email-address.html.golden": m.HTML,
		"confirm-email-address.txt.golden":  m.Text,
	} {
		t.Run(file, func(t *testing.T) {
			testfiles.Golden(t, filepath.Join("testdata", file), got, *update, "go test ./functions/mail -update")
		})
	}
}

func writeOverride(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadTemplatesOverride(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeOverride(t, dir, "reset-password.md", "---\r\n# our wording\r\nsubject: \"{{.PortalName}}: new password\"\r\n---\r\n# Password reset\r\n\r\nHello {{.FullName}}, [choose one]({{.Link}}).\r\n")
	writeOverride(t, dir, "notes.txt", "not a template")
	if err := os.Mkdir(filepath.Join(dir, "drafts.md"), 0o755); err != nil {
		t.Fatal(err)
	}
	tm, err := LoadTemplates(dir)
	if err != nil {
		t.Fatalf("LoadTemplates = %v", err)
	}
	m, err := tm.Render(ResetPassword, "dev@example.com", sampleData)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Acme APIs: new password" {
		t.Errorf("Subject = %q, want the override's", m.Subject)
	}
	wantText := "Password reset\n\nHello Ada Lovelace, choose one <" + sampleData.Link + ">.\n"
	if m.Text != wantText {
		t.Errorf("Text = %q, want %q", m.Text, wantText)
	}
	if !strings.Contains(m.HTML, "<h1 style=") || !strings.Contains(m.HTML, ">Password reset</h1>") {
		t.Errorf("html lacks the override's heading:\n%s", m.HTML)
	}
	// The others stay the defaults.
	def, _ := DefaultTemplates().Render(ConfirmEmailAddress, "dev@example.com", sampleData)
	got, _ := tm.Render(ConfirmEmailAddress, "dev@example.com", sampleData)
	if diff := cmp.Diff(def, got); diff != "" {
		t.Errorf("confirm-email-address changed (-default +got):\n%s", diff)
	}
}

func TestLoadTemplatesMissingDir(t *testing.T) {
	t.Parallel()
	tm, err := LoadTemplates(filepath.Join(t.TempDir(), "no-mail-folder"))
	if err != nil {
		t.Fatalf("LoadTemplates(missing dir) = %v, want the defaults", err)
	}
	if _, err := tm.Render(ConfirmEmailAddress, "dev@example.com", sampleData); err != nil {
		t.Error(err)
	}
}

func TestLoadTemplatesBrokenOverride(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		file, content string
		want          []string // in the error, besides the file's path
	}{
		"bad syntax": {
			file:    "reset-password.md",
			content: "---\nsubject: Reset\n---\n\nHi {{.FullName},\n",
			want:    []string{"reset-password.md:5"},
		},
		"bad subject syntax": {
			file:    "reset-password.md",
			content: "---\n\nsubject: Reset {{if}}\n---\nHi\n",
			want:    []string{"reset-password.md:3", "subject"},
		},
		"unknown field": {
			file:    "confirm-email-address.md",
			content: "---\nsubject: Confirm\n---\nHi {{.Fullname}}\n",
			want:    []string{"confirm-email-address.md:4", "Fullname"},
		},
		"missing subject": {
			file:    "account-access-approved.md",
			content: "---\n---\nApproved\n",
			want:    []string{"missing subject", "subject: "},
		},
		"no front matter": {
			file:    "account-access-approved.md",
			content: "Approved\n",
			want:    []string{"missing subject", "---"},
		},
		"unclosed front matter": {
			file:    "account-access-approved.md",
			content: "---\nsubject: Approved\n\n",
			want:    []string{"not closed"},
		},
		"unknown front matter key": {
			file:    "account-access-approved.md",
			content: "---\nsubject: Approved\ntitle: x\n---\nApproved\n",
			want:    []string{":3", `"title"`},
		},
		"unknown template name": {
			file:    "reset-pasword.md",
			content: "---\nsubject: Reset\n---\nHi\n",
			want:    []string{`"reset-pasword"`, ResetPassword},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeOverride(t, dir, tt.file, tt.content)
			_, err := LoadTemplates(dir)
			if err == nil {
				t.Fatalf("LoadTemplates = nil error, want one")
			}
			for _, w := range append([]string{path}, tt.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("LoadTemplates error %q does not contain %q", err, w)
				}
			}
		})
	}
}
