package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Names of the templates the portal sends.
const (
	ConfirmEmailAddress     = "confirm-email-address"
	ResetPassword           = "reset-password"
	AccountAccessApproved   = "account-access-approved"
	AccountAccessRejected   = "account-access-rejected"
	AccountAccessRevoked    = "account-access-revoked"
	AppRegistrationApproved = "app-registration-approved"
	AppRegistrationRejected = "app-registration-rejected"
	AppRegistrationRevoked  = "app-registration-revoked"
	AdminInvite             = "admin-invite"
	AdminResetPassword      = "admin-reset-password"
)

//go:embed templates/*.md
var defaultFS embed.FS

// Data is what a template can use. Text values are escaped for Markdown
// before the template runs, so a developer's name cannot add a link, an
// image or HTML to a message; Link and PortalURL must be absolute http(s)
// URLs, which [Mailer] builds from the configured base URL.
type Data struct {
	PortalName      string // display name of the portal, e.g. "Acme APIs"
	PortalURL       string // the portal's base URL
	FullName        string // the recipient's full name
	Email           string // the recipient's address
	Link            string // the action link: confirm, reset, sign in…
	APIName         string // the API of a registration
	ApplicationName string // the application of a registration
}

// sampleData renders every template once at load time, so a broken
// override fails when the portal starts, not when the first mail goes out.
var sampleData = Data{
	PortalName:      "Acme APIs",
	PortalURL:       "https://developer.example.com",
	FullName:        "Ada Lovelace",
	Email:           "ada@example.com",
	Link:            "https://developer.example.com/verify-email/?token=sample",
	APIName:         "Payments",
	ApplicationName: "Checkout",
}

// Templates holds the mail templates: the embedded defaults, each possibly
// replaced by the portal's own.
type Templates struct {
	pages map[string]*page
}

type page struct {
	file    string // where it came from, for errors
	subject *template.Template
	body    *template.Template
}

// TemplateNames returns the names of all templates, sorted.
func TemplateNames() []string {
	entries, err := fs.ReadDir(defaultFS, "templates")
	if err != nil {
		panic(err) // embedded: cannot fail
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".md"))
	}
	slices.Sort(names)
	return names
}

// DefaultTemplates returns the embedded templates.
func DefaultTemplates() *Templates {
	t, err := LoadTemplates("")
	if err != nil {
		panic(err) // embedded and tested: cannot fail
	}
	return t
}

// LoadTemplates returns the default templates with those in dir (the
// portal's mail/ folder) in their place: dir/<name>.md replaces the template
// <name>. A missing dir, or "", means no overrides. A file that does not
// parse, lacks a subject, uses an unknown field or names no template is an
// error naming the file.
func LoadTemplates(dir string) (*Templates, error) {
	t := &Templates{pages: map[string]*page{}}
	for _, name := range TemplateNames() {
		file := "templates/" + name + ".md"
		src, err := defaultFS.ReadFile(file)
		if err != nil {
			return nil, err
		}
		p, err := parsePage(name, "(default) "+file, src)
		if err != nil {
			return nil, err
		}
		t.pages[name] = p
	}
	if dir == "" {
		return t, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load mail templates: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".md" {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".md")
		file := filepath.Join(dir, e.Name())
		if _, ok := t.pages[name]; !ok {
			return nil, fmt.Errorf("load mail template %s: no template is named %q: name the file after one of %s", file, name, strings.Join(TemplateNames(), ", "))
		}
		src, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("load mail template: %w", err)
		}
		p, err := parsePage(name, file, src)
		if err != nil {
			return nil, err
		}
		t.pages[name] = p
	}
	return t, nil
}

// parsePage parses a template file: front matter with the subject, then the
// Markdown body. It renders the page once with sample data to catch unknown
// fields.
func parsePage(name, file string, src []byte) (*page, error) {
	fail := func(line int, format string, args ...any) error {
		return fmt.Errorf("load mail template %s:%d: %s", file, line, fmt.Sprintf(format, args...))
	}
	if !utf8.Valid(src) {
		return nil, fail(1, "not UTF-8 text")
	}
	s := strings.ReplaceAll(strings.TrimPrefix(string(src), "\uFEFF"), "\r\n", "\n")
	lines := strings.Split(s, "\n")
	const hint = "start the file with front matter:\n---\nsubject: Your subject for {{.PortalName}}\n---"
	if strings.TrimSpace(lines[0]) != "---" {
		return nil, fail(1, "missing subject: %s", hint)
	}
	subject, subjectLine, end := "", 0, 0
	for i := 1; i < len(lines) && end == 0; i++ {
		l := strings.TrimSpace(lines[i])
		switch {
		case l == "---":
			end = i
		case l == "" || strings.HasPrefix(l, "#"):
		default:
			k, v, ok := strings.Cut(l, ":")
			if !ok {
				return nil, fail(i+1, "front matter line %q is not \"key: value\"", l)
			}
			if strings.TrimSpace(k) != "subject" {
				return nil, fail(i+1, "unknown front matter key %q: only subject is read", strings.TrimSpace(k))
			}
			subject, subjectLine = unquote(strings.TrimSpace(v)), i+1
		}
	}
	if end == 0 {
		return nil, fail(1, "front matter is not closed: end it with a line \"---\"")
	}
	if strings.TrimSpace(subject) == "" {
		return nil, fail(1, "missing subject: %s", hint)
	}

	base := filepath.Base(file)
	st, err := template.New(base).Option("missingkey=error").Parse(subject)
	if err != nil {
		return nil, fail(subjectLine, "subject: %v", err)
	}
	// Blank lines in place of the front matter keep the template's line
	// numbers equal to the file's; Markdown ignores leading blank lines.
	body := strings.Repeat("\n", end+1) + strings.Join(lines[end+1:], "\n")
	bt, err := template.New(base).Option("missingkey=error").Parse(body)
	if err != nil {
		return nil, fmt.Errorf("load mail template %s: %w", file, err)
	}
	p := &page{file: file, subject: st, body: bt}
	if _, err := p.render(name, sampleData); err != nil {
		return nil, fmt.Errorf("load mail template %s: %w", file, err)
	}
	return p, nil
}

// unquote removes the quotes around a YAML-style quoted scalar, which a
// subject starting with "{{" needs in real YAML.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		return v[1 : len(v)-1]
	}
	return v
}

// Render renders the template name for the recipient to with data.
func (t *Templates) Render(name, to string, data Data) (Message, error) {
	p, ok := t.pages[name]
	if !ok {
		return Message{}, fmt.Errorf("render mail: no template is named %q", name)
	}
	m, err := p.render(name, data)
	if err != nil {
		return Message{}, fmt.Errorf("render mail template %s: %w", p.file, err)
	}
	m.To = to
	return m, nil
}

func (p *page) render(name string, data Data) (Message, error) {
	md, err := data.markdown()
	if err != nil {
		return Message{}, err
	}
	var subject, body bytes.Buffer
	if err := p.subject.Execute(&subject, data.plain()); err != nil {
		return Message{}, fmt.Errorf("subject: %w", err)
	}
	if err := p.body.Execute(&body, md); err != nil {
		return Message{}, err
	}
	src := body.Bytes()
	doc := markdown.Parser().Parse(text.NewReader(src))
	var content bytes.Buffer
	if err := markdown.Renderer().Render(&content, src, doc); err != nil {
		return Message{}, err
	}
	sub := headerText(subject.String())
	var html bytes.Buffer
	err = layout.Execute(&html, struct {
		Subject, PortalName, PortalURL string
		Content                        htmltemplate.HTML
	}{sub, data.PortalName, md.PortalURL, htmltemplate.HTML(content.String())}) // goldmark output: raw HTML omitted, data escaped
	if err != nil {
		return Message{}, err
	}
	return Message{
		Subject:  sub,
		Text:     plainText(doc, src),
		HTML:     html.String(),
		Links:    links(doc, src),
		Template: name,
	}, nil
}

// markdown returns d with every text value escaped for Markdown and the
// URLs checked.
func (d Data) markdown() (Data, error) {
	e := Data{
		PortalName:      escapeMarkdown(d.PortalName),
		FullName:        escapeMarkdown(d.FullName),
		Email:           escapeMarkdown(d.Email),
		APIName:         escapeMarkdown(d.APIName),
		ApplicationName: escapeMarkdown(d.ApplicationName),
	}
	var err error
	if e.Link, err = markdownURL("Link", d.Link); err != nil {
		return Data{}, err
	}
	if e.PortalURL, err = markdownURL("PortalURL", d.PortalURL); err != nil {
		return Data{}, err
	}
	return e, nil
}

// plain returns d for the subject: one line per value.
func (d Data) plain() Data {
	return Data{
		PortalName:      headerText(d.PortalName),
		PortalURL:       headerText(d.PortalURL),
		FullName:        headerText(d.FullName),
		Email:           headerText(d.Email),
		Link:            headerText(d.Link),
		APIName:         headerText(d.APIName),
		ApplicationName: headerText(d.ApplicationName),
	}
}

// escapeMarkdown makes s literal text in Markdown. Spaces and control
// characters collapse to single spaces, so s cannot start a block or leave
// a space that unbalances the emphasis around it; a backslash goes before
// every ASCII punctuation character (CommonMark allows it before any), so
// no link, image, autolink, HTML, entity or emphasis can start inside s.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range headerText(s) {
		if r < utf8.RuneSelf && util.IsPunct(byte(r)) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// markdownURL checks that s is empty or an absolute http(s) URL and
// percent-encodes what could end a link destination or start Markdown
// syntax, so the URL works both in [text]({{.Link}}) and <{{.Link}}>.
func markdownURL(field, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return "", fmt.Errorf("%s %q is not an absolute http(s) URL", field, s)
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~/?#=%:@+,&;!$'", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String(), nil
}

// markdown is CommonMark without raw HTML (goldmark's default omits it)
// and with inline styles, which mail clients keep when they drop <style>.
var markdown = goldmark.New(goldmark.WithParserOptions(
	parser.WithASTTransformers(util.Prioritized(inlineStyles{}, 100)),
))

const (
	linkStyle   = "color:#1d4ed8;text-decoration:underline"
	buttonStyle = "display:inline-block;padding:10px 20px;background-color:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600"
)

type inlineStyles struct{}

// Transform sets a style attribute on the nodes goldmark renders
// attributes for; a paragraph holding one link only becomes a button.
func (inlineStyles) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Paragraph:
			n.SetAttributeString("style", "margin:0 0 16px;line-height:1.5")
			if l, ok := n.FirstChild().(*ast.Link); ok && n.ChildCount() == 1 {
				l.SetAttributeString("style", buttonStyle)
			}
		case *ast.Heading:
			n.SetAttributeString("style", "margin:24px 0 12px;line-height:1.3")
		case *ast.List:
			n.SetAttributeString("style", "margin:0 0 16px;padding-left:24px;line-height:1.5")
		case *ast.Blockquote:
			n.SetAttributeString("style", "margin:0 0 16px;padding-left:12px;border-left:3px solid #d1d5db;color:#4b5563")
		case *ast.Link:
			if _, ok := n.AttributeString("style"); !ok {
				n.SetAttributeString("style", linkStyle)
			}
		}
		return ast.WalkContinue, nil
	})
}

// layout wraps the rendered Markdown in a minimal HTML mail: one centred
// column, inline styles only.
var layout = htmltemplate.Must(htmltemplate.New("layout").Parse(`<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f3f4f6">
<tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background-color:#ffffff;border-radius:8px">
<tr><td style="padding:32px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;font-size:16px;color:#111827">
{{.Content}}</td></tr>
</table>
<p style="margin:16px 0 0;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;font-size:12px;color:#6b7280">
{{- if .PortalURL}}<a href="{{.PortalURL}}" style="color:#6b7280">{{.PortalName}}</a>{{else}}{{.PortalName}}{{end -}}
</p>
</td></tr>
</table>
</body>
</html>
`))

// links returns the destinations of the document's links, in order,
// without repeats.
func links(doc ast.Node, src []byte) []string {
	var out []string
	add := func(u string) {
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			add(string(n.Destination))
		case *ast.AutoLink:
			if n.AutoLinkType == ast.AutoLinkURL {
				add(string(n.URL(src)))
			}
		}
		return ast.WalkContinue, nil
	})
	return out
}
