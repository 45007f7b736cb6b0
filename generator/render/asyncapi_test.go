package render

import (
	"strings"
	"testing"

	"github.com/portal-dev/portal/generator/spec"
)

// hostileAsyncAPI puts hostile text in every AsyncAPI field.
func hostileAsyncAPI() *spec.API {
	bad := &spec.Schema{Title: evil, Type: []string{"object"}, Description: evil,
		Properties: []spec.Property{{Name: evil, Schema: &spec.Schema{Type: []string{evil}, Description: evil}}}}
	binding := []spec.Binding{{Protocol: evil, Version: evil, Fields: []spec.BindingField{{Name: evil, Value: evil}, {Name: evil, Schema: bad}}}}
	ch := &spec.Channel{Key: evil, Slug: "evil", Address: "a/{" + evil + "}", Title: evil, Description: evil, Servers: []string{evil},
		Parameters:   []spec.Parameter{{Name: evil, In: "channel", Description: evil, Location: evil, Schema: bad}},
		ExternalDocs: &spec.ExternalDocs{URL: "javascript:alert(1)", Description: evil}, Bindings: binding}
	raw := &spec.Schema{Raw: evil, RawFormat: evil}
	m := &spec.Message{Key: evil, Slug: "evil", Name: evil, Title: evil, Summary: evil, Description: evil, ContentType: evil,
		SchemaFormat: evil, Payload: bad, Headers: bad, CorrelationID: &spec.CorrelationID{Description: evil, Location: evil},
		Examples: []spec.MessageExample{{Name: evil, Summary: evil, Headers: evil, Payload: evil}},
		Tags:     []spec.Tag{{Name: evil}}, Traits: []string{evil}, Bindings: binding,
		ExternalDocs: &spec.ExternalDocs{URL: "javascript:alert(1)"}}
	avro := &spec.Message{Key: "avro", Slug: "avro", Payload: raw, SchemaFormat: evil}
	ch.Messages = []*spec.Message{m, avro}
	dyn := &spec.Channel{Key: evil, Slug: "dyn"}
	op := &spec.Operation{ID: evil, Slug: "evil", Action: "send", Method: "SEND", Path: ch.Address, Summary: evil, Description: evil,
		Channel: ch, Messages: ch.Messages, Bindings: binding, Traits: []string{evil},
		Security: []spec.SecurityRequirement{{Schemes: []spec.SchemeRef{{Key: evil, Scopes: []string{evil}}}}},
		Reply:    &spec.Reply{Channel: dyn, AddressLocation: evil, AddressDescription: evil, Messages: []*spec.Message{m}}}
	return &spec.API{
		Kind: spec.KindAsyncAPI, SpecVersion: "3.0.0", Title: evil, Description: evil,
		Servers: []spec.Server{{Name: evil, Title: evil, Protocol: evil, ProtocolVersion: evil, Host: evil, Pathname: evil, Description: evil,
			Variables: []spec.ServerVariable{{Name: evil, Default: evil, Enum: []string{evil}, Description: evil}},
			Security:  []spec.SecurityRequirement{{Schemes: []spec.SchemeRef{{Key: evil}}}}, Bindings: binding}},
		SecuritySchemes: []spec.SecurityScheme{{Key: evil, Type: "httpApiKey", Name: evil, In: evil, Description: evil}},
		Channels:        []*spec.Channel{ch, dyn},
		Operations:      []*spec.Operation{op},
		Messages:        []*spec.Message{m, avro},
	}
}

func TestHostileAsyncAPIIsEscaped(t *testing.T) {
	t.Parallel()
	api := hostileAsyncAPI()
	r := New(api, Options{Base: "/apis/evil/"})
	pages := map[string]string{
		"channels": r.ChannelsIndex(),
		"messages": r.MessagesIndex(),
		"nav":      r.Nav(r.OperationURL(api.Operations[0])),
	}
	for k, v := range r.Overview() {
		pages["overview "+k] = v
	}
	for k, v := range r.Operation(api.Operations[0]) {
		pages["operation "+k] = v
	}
	for _, m := range api.Messages {
		for k, v := range r.Message(m) {
			pages["message "+m.Slug+" "+k] = v
		}
	}
	for name, html := range pages {
		if err := checkHTML(html); err != nil {
			t.Errorf("%s: %v\n%s", name, err, html)
		}
	}
}

// TestAsyncAPINavNamesOperations: the sidebar of an AsyncAPI description
// names each operation by its title, summary or operationId, with the
// channel's address as secondary text, and marks the current one.
func TestAsyncAPINavNamesOperations(t *testing.T) {
	t.Parallel()
	ch := &spec.Channel{Key: "lightMeasured", Slug: "light-measured", Address: "lights/{id}/measured"}
	cmd := &spec.Channel{Key: "turnOn", Slug: "turn-on", Address: "lights/{id}/turn/on"}
	ops := []*spec.Operation{
		{ID: "receiveLight", Slug: "receive-light", Action: "receive", Method: "RECEIVE", Path: ch.Address, Channel: ch, Title: "Light measured", Summary: "Not this one."},
		{ID: "turnOn", Slug: "turn-on", Action: "send", Method: "SEND", Path: cmd.Address, Channel: cmd, Summary: "Turn a **light** on."},
		{ID: "turnOnAgain", Slug: "turn-on-again", Action: "send", Method: "SEND", Path: cmd.Address, Channel: cmd},
	}
	api := &spec.API{Kind: spec.KindAsyncAPI, SpecVersion: "3.0.0", Title: "Lights", Channels: []*spec.Channel{ch, cmd}, Operations: ops}
	r := New(api, Options{Base: "/apis/lights/"})
	nav := r.Nav(r.OperationURL(ops[1]))
	for _, want := range []string{
		`<a href="/apis/lights/operations/receive-light/"><span class="method method-receive">RECEIVE</span> <span class="nav-op-name">Light measured</span> <span class="nav-op-sub">lights/{id}/measured</span></a>`,
		`<a href="/apis/lights/operations/turn-on/" aria-current="page"><span class="method method-send">SEND</span> <span class="nav-op-name">Turn a light on.</span> <span class="nav-op-sub">lights/{id}/turn/on</span></a>`,
		`<span class="nav-op-name">turnOnAgain</span>`,
	} {
		if !strings.Contains(nav, want) {
			t.Errorf("Nav lacks\n%s\nin\n%s", want, nav)
		}
	}
	// An address is never the name of a link by itself.
	if strings.Contains(nav, `>lights/{id}/turn/on</a>`) || strings.Contains(nav, `>lights/{id}/measured</a>`) {
		t.Errorf("Nav names a link by its channel address:\n%s", nav)
	}
	// Every operation page shares one sidebar.
	k1, _, _ := r.SharedNav(r.OperationURL(ops[0]))
	k2, _, _ := r.SharedNav(r.OperationURL(ops[1]))
	if k1 != k2 {
		t.Errorf("SharedNav keys = %q and %q, want one sidebar for every operation", k1, k2)
	}
}
