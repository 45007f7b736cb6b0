package render

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

// md converts CommonMark with the GFM extensions. Raw HTML is passed through
// on purpose: descriptions often contain <br> or <b>, and the policy below,
// not goldmark, decides what survives.
var md = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
)

// policy is bluemonday's UGC policy without id/name attributes (which could
// clobber the page's own ids, such as #tryit-data) and with external links
// marked nofollow. Everything else—scripts, event handlers, styles, forms,
// frames, embeds, non-http(s)/mailto URLs—is dropped by omission.
var policy = newPolicy()

// strictPolicy strips every tag; goldmark ends each block with a newline,
// so words of adjacent blocks stay apart.
var strictPolicy = bluemonday.StrictPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(true)
	p.AllowURLSchemes("mailto", "http", "https")
	p.RequireNoFollowOnFullyQualifiedLinks(true)

	p.AllowAttrs("dir").Matching(bluemonday.Direction).Globally()
	p.AllowAttrs("lang").Matching(regexp.MustCompile(`^[a-zA-Z]{2,20}(-[a-zA-Z0-9]{1,8})*$`)).Globally()
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).Globally()

	p.AllowElements("article", "aside", "figure", "section", "summary", "hgroup",
		"h1", "h2", "h3", "h4", "h5", "h6",
		"br", "div", "hr", "p", "span", "wbr",
		"abbr", "acronym", "cite", "code", "dfn", "em", "figcaption", "mark", "s",
		"samp", "strong", "sub", "sup", "var", "b", "i", "pre", "small", "strike",
		"tt", "u", "kbd", "del", "ins", "rp", "rt", "ruby", "bdi", "bdo")
	p.AllowAttrs("open").Matching(regexp.MustCompile(`(?i)^(|open)$`)).OnElements("details")
	p.AllowElements("details")
	p.AllowAttrs("cite").OnElements("blockquote", "q")
	p.AllowElements("blockquote", "q")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("datetime").Matching(bluemonday.ISO8601).OnElements("time", "del", "ins")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[\w+#-]+$`)).OnElements("code")
	p.AllowLists()
	p.AllowTables()
	p.AllowAttrs("alt").Matching(bluemonday.Paragraph).OnElements("img")
	p.AllowAttrs("height", "width").Matching(bluemonday.NumberOrPercent).OnElements("img")
	p.AllowAttrs("src").OnElements("img")
	return p
}

// Markdown renders untrusted CommonMark (with GFM tables, strikethrough and
// autolinks) to sanitised HTML. It is the only way a description from a spec
// reaches a page.
func Markdown(src string) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark only fails on writer errors; fall back to escaped text.
		return "<p>" + html.EscapeString(src) + "</p>"
	}
	out := policy.Sanitize(buf.String())
	// bluemonday escapes quotes in text and attribute values, so this literal
	// can only be the rel attribute it added to an external link.
	out = strings.ReplaceAll(out, ` rel="nofollow"`, ` rel="nofollow noopener"`)
	return strings.TrimSpace(out)
}

// PlainText reduces Markdown to plain text for meta descriptions and search
// summaries: tags stripped, entities decoded, whitespace collapsed, and cut
// at a word boundary to at most max runes (with an ellipsis) when max > 0.
func PlainText(src string, max int) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		buf.Reset()
		buf.WriteString(html.EscapeString(src))
	}
	text := html.UnescapeString(strictPolicy.Sanitize(buf.String()))
	text = strings.Join(strings.Fields(text), " ")
	return truncate(text, max)
}

// truncate cuts s to at most max runes, preferring the last space, and adds
// an ellipsis when it cut.
func truncate(s string, max int) string {
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	runes := []rune(s)
	cut := runes[:max-1]
	if !unicode.IsSpace(runes[max-1]) {
		if i := lastSpace(cut); i > len(cut)/2 {
			cut = cut[:i]
		}
	}
	return strings.TrimRightFunc(string(cut), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r)
	}) + "…"
}

func lastSpace(rs []rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if unicode.IsSpace(rs[i]) {
			return i
		}
	}
	return -1
}
