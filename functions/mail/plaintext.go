package mail

import (
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/util"
)

// plainText renders a Markdown document as the text/plain part: paragraphs
// separated by blank lines, emphasis dropped, each link written out after
// its label in angle brackets (RFC 3986, appendix C), raw HTML left out.
func plainText(doc ast.Node, src []byte) string {
	var blocks []string
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		if b := textBlock(c, src); b != "" {
			blocks = append(blocks, b)
		}
	}
	return strings.Join(blocks, "\n\n") + "\n"
}

func textBlock(n ast.Node, src []byte) string {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock, *ast.Heading:
		return strings.TrimSpace(textInline(n, src))
	case *ast.ThematicBreak:
		return "----"
	case *ast.CodeBlock, *ast.FencedCodeBlock:
		var b strings.Builder
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			b.WriteString("    ")
			b.Write(seg.Value(src))
		}
		return strings.TrimRight(b.String(), "\n")
	case *ast.Blockquote:
		return prefixLines(textChildren(n, src, "\n\n"), "> ", "> ")
	case *ast.List:
		var items []string
		num := n.Start
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			marker := "- "
			if n.IsOrdered() {
				marker = strconv.Itoa(num) + ". "
				num++
			}
			sep := "\n"
			if !n.IsTight {
				sep = "\n\n"
			}
			items = append(items, prefixLines(textChildren(c, src, sep), marker, strings.Repeat(" ", len(marker))))
		}
		if n.IsTight {
			return strings.Join(items, "\n")
		}
		return strings.Join(items, "\n\n")
	case *ast.HTMLBlock:
		return "" // omitted from the HTML part too
	default:
		return textChildren(n, src, "\n\n")
	}
}

func textChildren(n ast.Node, src []byte, sep string) string {
	var parts []string
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if b := textBlock(c, src); b != "" {
			parts = append(parts, b)
		}
	}
	return strings.Join(parts, sep)
}

func textInline(n ast.Node, src []byte) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(unescape(c.Value(src)))
			if c.HardLineBreak() || c.SoftLineBreak() {
				b.WriteByte('\n')
			}
		case *ast.String:
			if c.IsCode() || c.IsRaw() {
				b.Write(c.Value)
			} else {
				b.Write(unescape(c.Value))
			}
		case *ast.CodeSpan:
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				if s, ok := t.(*ast.Text); ok {
					b.Write(s.Value(src))
				} else if s, ok := t.(*ast.String); ok {
					b.Write(s.Value)
				}
			}
		case *ast.Link:
			label := strings.TrimSpace(textInline(c, src))
			dest := string(c.Destination)
			if label == "" || label == dest {
				b.WriteString(dest)
			} else {
				b.WriteString(label + " <" + dest + ">")
			}
		case *ast.AutoLink:
			b.Write(c.URL(src))
		case *ast.Image:
			b.WriteString(textInline(c, src))
		case *ast.RawHTML:
			// omitted from the HTML part too
		default:
			b.WriteString(textInline(c, src))
		}
	}
	return b.String()
}

// unescape turns Markdown source text into the characters it stands for:
// character references resolved, backslash escapes removed.
func unescape(v []byte) []byte {
	return util.UnescapePunctuations(util.ResolveEntityNames(util.ResolveNumericReferences(v)))
}

func prefixLines(s, first, rest string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		p := rest
		if i == 0 {
			p = first
		}
		if l == "" && i > 0 {
			lines[i] = strings.TrimRight(p, " ")
			continue
		}
		lines[i] = p + l
	}
	return strings.Join(lines, "\n")
}
