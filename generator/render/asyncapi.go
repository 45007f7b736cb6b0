package render

import (
	"slices"
	"strings"

	"github.com/portal-dev/portal/generator/spec"
)

// AsyncAPI pages. Operations (send and receive) are spec.Operations with
// Action set; they are grouped by channel rather than by tag, live under
// operations/, and have no code samples or try-it. Messages have their own
// pages under messages/, channels one index page under channels/.

// isAsync reports whether the renderer's API is an AsyncAPI description.
func (r *Renderer) isAsync() bool { return r.api.Kind == spec.KindAsyncAPI }

// channelGroups groups AsyncAPI operations by channel, in channel order.
func (r *Renderer) channelGroups() []tagGroup {
	var groups []tagGroup
	byChan := map[*spec.Channel]int{}
	for _, ch := range r.api.Channels {
		byChan[ch] = len(groups)
		groups = append(groups, tagGroup{Name: ch.Label(), Anchor: channelAnchor(ch)})
	}
	var other []*spec.Operation
	for _, op := range r.api.Operations {
		i, ok := byChan[op.Channel]
		if !ok {
			other = append(other, op)
			r.opTag[op] = otherTag
			continue
		}
		groups[i].Ops = append(groups[i].Ops, op)
		r.opTag[op] = groups[i].Name
	}
	if len(other) > 0 {
		groups = append(groups, tagGroup{Name: otherTag, Anchor: "channel-other", Ops: other})
	}
	out := groups[:0]
	for _, g := range groups {
		if len(g.Ops) > 0 {
			out = append(out, g)
		}
	}
	return out
}

func channelAnchor(ch *spec.Channel) string { return "channel-" + ch.Slug }

// ChannelURL is a channel's place on the channels page.
func (r *Renderer) ChannelURL(ch *spec.Channel) string {
	return r.opts.Base + "channels/#" + channelAnchor(ch)
}

// MessageURL is the page of a message.
func (r *Renderer) MessageURL(m *spec.Message) string {
	return r.opts.Base + "messages/" + m.Slug + "/"
}

// MessageTitle is a message's display name.
func MessageTitle(m *spec.Message) string {
	switch {
	case m.Title != "":
		return m.Title
	case m.Name != "":
		return m.Name
	}
	return m.Key
}

// asyncServerView is one AsyncAPI server on the overview page.
type asyncServerView struct {
	Name, Anchor, Title    string
	Protocol, ProtocolText string
	Host, Pathname, URL    string
	Desc                   string
	Variables              []variableView
	Security               string // HTML
	Bindings               []bindingView
}

func (r *Renderer) asyncServerViews() []asyncServerView {
	var out []asyncServerView
	for _, s := range r.api.Servers {
		sv := asyncServerView{
			Name: s.Name, Anchor: "server-" + slugify(s.Name), Title: s.Title,
			Protocol: s.Protocol, ProtocolText: protocolText(s.Protocol, s.ProtocolVersion),
			Host: s.Host, Pathname: s.Pathname, Desc: r.markdown(firstNonEmpty(s.Description, s.Summary)),
			Bindings: r.bindingViews(s.Bindings),
		}
		if r.api.SpecVersion != "" && r.api.SpecVersion[0] == '2' {
			sv.URL = s.URL
		}
		if s.Security != nil {
			sv.Security = r.securityHTML(s.Security, true)
		}
		for _, v := range s.Variables {
			sv.Variables = append(sv.Variables, variableView{Name: v.Name, Default: v.Default, Enum: v.Enum, Desc: r.markdown(v.Description)})
		}
		out = append(out, sv)
	}
	return out
}

func protocolText(p, version string) string {
	if version == "" {
		return p
	}
	return p + " " + version
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Protocols lists the distinct protocols of an API's servers, in order.
func Protocols(api *spec.API) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range api.Servers {
		p := strings.ToLower(s.Protocol)
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

type bindingView struct {
	Protocol, Version string
	Fields            []bindingFieldView
}

type bindingFieldView struct {
	Name, Value string
	Tree        *schemaNode
}

func (r *Renderer) bindingViews(bs []spec.Binding) []bindingView {
	var out []bindingView
	for _, b := range bs {
		bv := bindingView{Protocol: b.Protocol, Version: b.Version}
		for _, f := range b.Fields {
			fv := bindingFieldView{Name: f.Name, Value: f.Value}
			if f.Schema != nil {
				fv.Tree = r.newTree().root(f.Schema)
			}
			bv.Fields = append(bv.Fields, fv)
		}
		out = append(out, bv)
	}
	return out
}

func (r *Renderer) bindingsHTML(bs []spec.Binding) string {
	if len(bs) == 0 {
		return ""
	}
	return renderString(bindingsView(r.bindingViews(bs)))
}

// channelView is one channel on the channels page.
type channelView struct {
	Anchor, Address, Key string
	Title                string
	Desc                 string
	Params               []paramGroup
	Ops                  []indexOp
	Messages             []messageLink
	Servers              []serverLink
	Bindings             []bindingView
}

type messageLink struct{ Name, URL, ContentType, Summary string }

type serverLink struct{ Name, URL string }

func (r *Renderer) messageLinks(ms []*spec.Message) []messageLink {
	var out []messageLink
	for _, m := range ms {
		out = append(out, messageLink{Name: MessageTitle(m), URL: r.MessageURL(m), ContentType: m.ContentType, Summary: PlainText(m.Summary, 140)})
	}
	return out
}

func (r *Renderer) serverLinks(names []string) []serverLink {
	var out []serverLink
	for _, n := range names {
		out = append(out, serverLink{Name: n, URL: r.opts.Base + "#server-" + slugify(n)})
	}
	return out
}

// ChannelsIndex renders the channels page: each channel with its address,
// parameters, operations, messages and bindings. Each channel's section
// has the id that Nav and ChannelURL link to.
func (r *Renderer) ChannelsIndex() string {
	var views []channelView
	for _, ch := range r.api.Channels {
		cv := channelView{
			Anchor: channelAnchor(ch), Address: ch.Address, Key: ch.Key, Title: firstNonEmpty(ch.Title, ch.Summary),
			Desc: r.descriptionHTML(ch.Description, ch.ExternalDocs), Params: r.paramGroups(ch.Parameters),
			Messages: r.messageLinks(ch.Messages), Servers: r.serverLinks(ch.Servers), Bindings: r.bindingViews(ch.Bindings),
		}
		for _, op := range r.api.Operations {
			if op.Channel == ch {
				cv.Ops = append(cv.Ops, r.indexOp(op))
			}
		}
		views = append(views, cv)
	}
	return renderString(channelsIndexView(views))
}

// MessagesIndex renders the list of messages.
func (r *Renderer) MessagesIndex() string {
	return renderString(messagesIndexView(r.messageLinks(r.api.Messages)))
}

// actionSentence says what an operation does from the application's side.
func actionSentence(op *spec.Operation) string {
	if op.Action == "send" {
		return "The application sends these messages to the channel; subscribe to it to receive them."
	}
	return "The application receives these messages from the channel; publish to it to reach the application."
}

type asyncChannelInfo struct {
	Sentence, Address, URL string
	Dynamic                bool
	Servers                []serverLink
	Desc                   string
}

type asyncMessageView struct {
	Title, URL   string
	Summary      string
	ContentType  string
	FormatNote   string
	Payload      *schemaNode
	Headers      *schemaNode
	Correlation  *spec.CorrelationID
	Example      string
	ExampleTitle string
}

type replyView struct {
	Channel          *serverLink // channel label and URL
	Location, Desc   string
	LocationDescHTML string // sanitised HTML
	Messages         []messageLink
}

// asyncOperation renders the fragments of an AsyncAPI operation page.
func (r *Renderer) asyncOperation(op *spec.Operation) map[string]string {
	out := map[string]string{
		"description": r.descriptionHTML(op.Description, op.ExternalDocs),
		"channel":     "",
		"security":    "",
		"parameters":  "",
		"messages":    "",
		"reply":       "",
		"bindings":    r.bindingsHTML(op.Bindings),
		"examples":    "",
	}
	if op.Security != nil {
		out["security"] = r.securityHTML(op.Security, true)
	}
	if ch := op.Channel; ch != nil {
		info := asyncChannelInfo{Sentence: actionSentence(op), Address: ch.Label(), URL: r.ChannelURL(ch),
			Dynamic: ch.Address == "", Servers: r.serverLinks(ch.Servers), Desc: r.markdown(ch.Description)}
		out["channel"] = renderString(asyncChannelView(info))
		if groups := r.paramGroups(ch.Parameters); len(groups) > 0 {
			out["parameters"] = renderString(parametersView(groups))
		}
	}
	if len(op.Messages) > 0 {
		var views []asyncMessageView
		for _, m := range op.Messages {
			views = append(views, r.asyncMessageView(m))
		}
		out["messages"] = renderString(asyncMessagesView(views))
		if ex := r.operationMessageExamples(op); len(ex) > 0 {
			out["examples"] = renderString(responseExamplesView("Message examples", ex))
		}
	}
	if rp := op.Reply; rp != nil {
		rv := replyView{Location: rp.AddressLocation, LocationDescHTML: r.markdown(rp.AddressDescription), Messages: r.messageLinks(rp.Messages)}
		if rp.Channel != nil {
			rv.Channel = &serverLink{Name: rp.Channel.Label(), URL: r.ChannelURL(rp.Channel)}
			if rp.Channel.Address == "" && rv.Location == "" {
				rv.Desc = "The reply's address is set at run time."
			}
		}
		out["reply"] = renderString(asyncReplyView(rv))
	}
	return out
}

// asyncOperationParts names the fragments asyncOperation renders non-empty.
func (r *Renderer) asyncOperationParts(op *spec.Operation) []string {
	var out []string
	if op.Description != "" || op.ExternalDocs != nil {
		out = append(out, "description")
	}
	if op.Channel != nil {
		out = append(out, "channel")
	}
	if op.Security != nil {
		out = append(out, "security")
	}
	if op.Channel != nil && len(op.Channel.Parameters) > 0 {
		out = append(out, "parameters")
	}
	if len(op.Messages) > 0 {
		out = append(out, "messages")
	}
	if op.Reply != nil {
		out = append(out, "reply")
	}
	if len(op.Bindings) > 0 {
		out = append(out, "bindings")
	}
	if slices.ContainsFunc(op.Messages, hasMessageExamples) {
		out = append(out, "examples")
	}
	return out
}

// hasMessageExamples reports whether messageExamples gives m anything.
func hasMessageExamples(m *spec.Message) bool {
	return len(m.Examples) > 0 || m.Payload != nil && m.Payload.Raw == "" || m.Headers != nil && m.Headers.Raw == ""
}

// operationMessageExamples are the examples of an operation's messages,
// one tab per message, for the page's right column; each links to its
// message's page.
func (r *Renderer) operationMessageExamples(op *spec.Operation) []responseExample {
	var out []responseExample
	for _, m := range op.Messages {
		ex := r.messageExamples(m)
		if len(ex) == 0 {
			continue
		}
		ct := m.ContentType
		if ct == "" {
			ct = r.api.DefaultContentType
		}
		out = append(out, responseExample{Label: MessageTitle(m), ID: "example-" + m.Slug, Selected: len(out) == 0,
			Link: r.MessageURL(m), LinkText: "Message", Media: []mediaView{{Name: ct, Examples: ex}}})
	}
	return out
}

func (r *Renderer) asyncMessageView(m *spec.Message) asyncMessageView {
	v := asyncMessageView{Title: MessageTitle(m), URL: r.MessageURL(m), Summary: PlainText(m.Summary, 0), ContentType: m.ContentType,
		FormatNote: formatNote(m), Correlation: m.CorrelationID}
	if m.Payload != nil {
		v.Payload = r.newTree().root(m.Payload)
	}
	if m.Headers != nil {
		v.Headers = r.newTree().root(m.Headers)
	}
	return v
}

// formatNote explains a payload we show as source.
func formatNote(m *spec.Message) string {
	if m.Payload == nil || m.Payload.Raw == "" {
		return ""
	}
	name := m.Payload.RawFormat
	if name == "" {
		name = m.SchemaFormat
	}
	return "The payload is described in " + name + ", which the portal shows as written rather than as a schema tree."
}

// messageExamples are the message's own examples, or one generated from
// its payload and headers schemas when it has none.
func (r *Renderer) messageExamples(m *spec.Message) []exampleView {
	var out []exampleView
	for _, ex := range m.Examples {
		title := firstNonEmpty(ex.Summary, ex.Name, "Example")
		out = append(out, exampleView{Title: title, Code: messageExampleCode(m, ex.Headers, ex.Payload)})
	}
	if len(out) > 0 {
		return out
	}
	var headers, payload any
	if m.Headers != nil && m.Headers.Raw == "" {
		headers = example(m.Headers, modeAny)
	}
	if m.Payload != nil && m.Payload.Raw == "" {
		payload = example(m.Payload, modeAny)
	}
	if headers == nil && payload == nil {
		return nil
	}
	return []exampleView{{Title: "Example (generated)", Code: messageExampleCode(m, headers, payload)}}
}

// messageExampleCode prints the payload, preceded by the headers when
// there are any.
func messageExampleCode(m *spec.Message, headers, payload any) string {
	var b strings.Builder
	if headers != nil {
		b.WriteString("// headers\n")
		b.WriteString(exampleCode("application/json", headers))
		if payload != nil {
			b.WriteString("\n// payload\n")
		}
	}
	if payload != nil {
		ct := m.ContentType
		if ct == "" {
			ct = "application/json"
		}
		b.WriteString(exampleCode(ct, payload))
	}
	return b.String()
}

type messageFact struct {
	Label  string
	Values []string // shown as code
	Text   string
	Desc   string // sanitised HTML
}

// Message renders the fragments of a message page. Keys: description,
// info, headers, payload, examples, bindings, used_by.
func (r *Renderer) Message(m *spec.Message) map[string]string {
	out := map[string]string{
		"description": r.descriptionHTML(m.Description, m.ExternalDocs),
		"info":        "",
		"headers":     "",
		"payload":     "",
		"examples":    "",
		"bindings":    r.bindingsHTML(m.Bindings),
		"used_by":     "",
	}
	if facts := r.messageFacts(m); len(facts) > 0 {
		out["info"] = renderString(messageFactsView(facts))
	}
	if m.Headers != nil {
		out["headers"] = renderString(schemaTree(r.newTree().root(m.Headers)))
	}
	if m.Payload != nil {
		out["payload"] = renderString(payloadView(formatNote(m), r.newTree().root(m.Payload)))
	}
	if ex := r.messageExamples(m); len(ex) > 0 {
		out["examples"] = renderString(messageExamplesView(ex))
	}
	var ops []indexOp
	for _, op := range r.api.Operations {
		if slices.Contains(op.Messages, m) || op.Reply != nil && slices.Contains(op.Reply.Messages, m) {
			ops = append(ops, r.indexOp(op))
		}
	}
	if len(ops) > 0 {
		out["used_by"] = renderString(usedByView(ops, nil))
	}
	return out
}

// MessageParts names the fragments Message renders non-empty.
func (r *Renderer) MessageParts(m *spec.Message) []string {
	var out []string
	if m.Description != "" || m.ExternalDocs != nil {
		out = append(out, "description")
	}
	if len(r.messageFacts(m)) > 0 {
		out = append(out, "info")
	}
	if m.Headers != nil {
		out = append(out, "headers")
	}
	if m.Payload != nil {
		out = append(out, "payload")
	}
	if hasMessageExamples(m) {
		out = append(out, "examples")
	}
	if len(m.Bindings) > 0 {
		out = append(out, "bindings")
	}
	for _, op := range r.api.Operations {
		if slices.Contains(op.Messages, m) || op.Reply != nil && slices.Contains(op.Reply.Messages, m) {
			out = append(out, "used_by")
			break
		}
	}
	return out
}

func (r *Renderer) messageFacts(m *spec.Message) []messageFact {
	var out []messageFact
	if m.Name != "" {
		out = append(out, messageFact{Label: "Name", Values: []string{m.Name}})
	}
	if m.ContentType != "" {
		out = append(out, messageFact{Label: "Content type", Values: []string{m.ContentType}})
	}
	if m.SchemaFormat != "" {
		out = append(out, messageFact{Label: "Schema format", Values: []string{m.SchemaFormat}})
	}
	if c := m.CorrelationID; c != nil {
		f := messageFact{Label: "Correlation ID", Desc: r.markdown(c.Description)}
		if c.Location != "" {
			f.Values = []string{c.Location}
		}
		out = append(out, f)
	}
	if len(m.Traits) > 0 {
		out = append(out, messageFact{Label: "Traits applied", Values: m.Traits})
	}
	if len(m.Tags) > 0 {
		f := messageFact{Label: "Tags"}
		for _, t := range m.Tags {
			f.Values = append(f.Values, t.Name)
		}
		out = append(out, f)
	}
	if m.Deprecated {
		out = append(out, messageFact{Label: "Deprecated", Text: "yes"})
	}
	return out
}
