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
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
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
// Blocks stay sentences: a heading, paragraph or list that ends without
// punctuation gets a full stop, and list items are separated by semicolons,
// so that a list never reads as one run-on line.
func PlainText(src string, max int) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		buf.Reset()
		buf.WriteString(html.EscapeString(src))
	}
	text := html.UnescapeString(strictPolicy.Sanitize(blockEnds.Replace(buf.String())))
	return truncate(sentences(text), max)
}

// Marks that blockEnds leaves in the HTML for sentences: the end of a list
// item, and the end of any other block. Both are Unicode separators that
// Markdown text does not use, and strictPolicy keeps text as it is.
const (
	itemEnd  = "\u2028"
	blockEnd = "\u2029"
)

var blockEnds = strings.NewReplacer(
	"</li>", itemEnd+"</li>", "<ul>", blockEnd+"<ul>", "<ol>", blockEnd+"<ol>", "</ul>", blockEnd+"</ul>", "</ol>", blockEnd+"</ol>",
	"</p>", blockEnd+"</p>", "</h1>", blockEnd+"</h1>", "</h2>", blockEnd+"</h2>", "</h3>", blockEnd+"</h3>",
	"</h4>", blockEnd+"</h4>", "</h5>", blockEnd+"</h5>", "</h6>", blockEnd+"</h6>", "</pre>", blockEnd+"</pre>",
	"</blockquote>", blockEnd+"</blockquote>", "</td>", blockEnd+"</td>", "</th>", blockEnd+"</th>",
	"</dt>", blockEnd+"</dt>", "</dd>", blockEnd+"</dd>", "<br>", " ", "<br/>", " ", "<br />", " ",
)

// sentences joins the pieces between block marks: after a list item that
// another item follows, a semicolon; after any other block that more text
// follows, a full stop; neither where the piece ends with punctuation
// already. The last piece stays as it is.
func sentences(text string) string {
	var out []string
	var piece strings.Builder
	item := false // how the last piece of out ended
	for _, r := range text + blockEnd {
		if string(r) != itemEnd && string(r) != blockEnd {
			piece.WriteRune(r)
			continue
		}
		if p := strings.Join(strings.Fields(piece.String()), " "); p != "" {
			if n := len(out); n > 0 {
				out[n-1] = endSentence(out[n-1], item)
			}
			out = append(out, p)
		}
		piece.Reset()
		item = string(r) == itemEnd
	}
	return strings.Join(out, " ")
}

// endSentence ends s with a semicolon (item) or a full stop, unless it
// ends with punctuation.
func endSentence(s string, item bool) string {
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsPunct(last) && last != ')' && last != '"' && last != '\'' && last != '`' {
		return s
	}
	if item {
		return s + ";"
	}
	return s + "."
}

// Summary is the first paragraph of a Markdown description as plain text,
// cut to max runes: what a catalog card, a page's lead or a search result
// shows. Headings before it are skipped; a description without a leading
// paragraph (a list, a table) is its PlainText.
func Summary(src string, max int) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		switch n.Kind() {
		case ast.KindHeading:
			continue
		case ast.KindParagraph:
			var b strings.Builder
			lines := n.Lines()
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				b.Write(seg.Value(source))
			}
			if s := PlainText(b.String(), max); s != "" {
				return s
			}
		}
		break
	}
	return PlainText(src, max)
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
