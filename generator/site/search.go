package site

import (
	"strings"

	"github.com/portal-dev/portal/generator/render"
	"github.com/portal-dev/portal/generator/spec"
)

// searchDocs makes the search entries of one API's own pages, with the
// renderer that writes them.
func searchDocs(a *API, r *render.Renderer, base string) []SearchDoc {
	title := a.Config.Title
	if title == "" {
		title = a.Spec.Title
	}
	summary, _ := apiSummary(a, 160)
	docs := []SearchDoc{{Kind: "api", Title: title, URL: base, Summary: summary}}
	for _, list := range [][]*spec.Operation{a.Spec.Operations, a.Spec.Webhooks} {
		for _, op := range list {
			kind := "operation"
			if op.Webhook {
				kind = "webhook"
			}
			tag := ""
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			s := op.Summary
			if s == "" {
				s = render.Summary(op.Description, 120)
			}
			docs = append(docs, SearchDoc{
				Kind: kind, Title: opTitle(op), URL: r.OperationURL(op), API: title,
				Method: op.Method, Path: op.Path, OpID: op.ID, Tag: tag, Summary: Truncate(s, 160),
			})
		}
	}
	for _, ch := range a.Spec.Channels {
		s := render.PlainText(ch.Summary, 160)
		if s == "" {
			s = render.Summary(ch.Description, 160)
		}
		path := ch.Address
		if path == "" {
			path = ch.Key
		}
		docs = append(docs, SearchDoc{Kind: "channel", Title: path, URL: r.ChannelURL(ch), API: title, Path: path, Summary: s})
	}
	for _, m := range a.Spec.Messages {
		s := m.Summary
		if s == "" {
			s = render.Summary(m.Description, 120)
		}
		docs = append(docs, SearchDoc{Kind: "message", Title: render.MessageTitle(m), URL: r.MessageURL(m), API: title, OpID: m.Name, Summary: Truncate(s, 160)})
	}
	for _, ns := range a.Spec.Schemas {
		docs = append(docs, SearchDoc{Kind: "schema", Title: ns.Name, URL: r.SchemaURL(ns), API: title, Summary: render.Summary(ns.Schema.Description, 120)})
	}
	return docs
}

// Truncate cuts s to about n bytes at a word boundary (search summaries).
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
	}
	return strings.TrimRight(s[:cut], " ,.;:") + "…"
}
