package asyncapi

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"

	"github.com/portal-dev/portal/generator/slug"
	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/generator/yamljson"
	"github.com/portal-dev/portal/generator/yamlnode"
)

// conv converts one AsyncAPI 2.x or 3.x document to the model. Channels
// and messages are identified by the YAML node they resolve to, so every
// $ref to one yields the same *spec.Channel or *spec.Message.
type conv struct {
	l          *loader
	api        *spec.API
	schemas    *schemas
	msgByNode  map[*yaml.Node]*spec.Message
	chanByNode map[*yaml.Node]*spec.Channel
	msgSlugs   *slug.Slugger
	chanSlugs  *slug.Slugger
	opSlugs    *slug.Slugger
	tagSeen    map[string]bool
	opIDs      map[string]string // operationId → pointer of first use
}

func (l *loader) convert(root *yaml.Node) *spec.API {
	c := &conv{
		l:          l,
		api:        &spec.API{Kind: spec.KindAsyncAPI, SpecVersion: l.version},
		schemas:    newSchemas(l),
		msgByNode:  map[*yaml.Node]*spec.Message{},
		chanByNode: map[*yaml.Node]*spec.Channel{},
		msgSlugs:   slug.New(),
		chanSlugs:  slug.New(),
		opSlugs:    slug.New(),
		tagSeen:    map[string]bool{},
		opIDs:      map[string]string{},
	}
	api := c.api
	info := yamlnode.MapValue(root, "info")
	if info == nil {
		l.problem(spec.Error, "info", root, "/info", "the info object is missing", "Add an info object with at least title and version.")
		return nil
	}
	api.Title, api.Version, api.Description = str(info, "title"), str(info, "version"), str(info, "description")
	api.TermsOfService = str(info, "termsOfService")
	if ct := yamlnode.MapValue(info, "contact"); ct != nil {
		api.Contact = &spec.Contact{Name: str(ct, "name"), URL: str(ct, "url"), Email: str(ct, "email")}
	}
	if li := yamlnode.MapValue(info, "license"); li != nil {
		api.License = &spec.License{Name: str(li, "name"), URL: str(li, "url")}
	}
	api.ID = str(root, "id")
	api.DefaultContentType = str(root, "defaultContentType")
	// Tags and external docs moved into info in 3.0.
	top := root
	if l.major >= 3 {
		top = info
	}
	api.ExternalDocs = c.externalDocs(yamlnode.MapValue(top, "externalDocs"))
	for _, t := range c.tags(yamlnode.MapValue(top, "tags")) {
		c.declareTag(t)
	}

	comps := yamlnode.MapValue(root, "components")
	api.Schemas = c.schemas.buildComponents(yamlnode.MapValue(comps, "schemas"))
	pairs(yamlnode.MapValue(comps, "securitySchemes"), func(key string, _, v *yaml.Node) {
		if t, _ := l.deref(v); t != nil {
			api.SecuritySchemes = append(api.SecuritySchemes, c.securityScheme(key, t))
		}
	})
	pairs(yamlnode.MapValue(root, "servers"), func(name string, _, v *yaml.Node) {
		if t, _ := l.deref(v); t != nil {
			api.Servers = append(api.Servers, c.server(name, t))
		}
	})
	// Component messages first, so that their slugs do not depend on
	// where channels and operations mention them.
	pairs(yamlnode.MapValue(comps, "messages"), func(name string, _, v *yaml.Node) {
		c.message(name, v, "/components/messages/"+yamlnode.EscapePointer(name))
	})
	if l.major >= 3 {
		c.convert3(root)
	} else {
		c.convert2(root)
	}
	return api
}

// --- 3.x ---

func (c *conv) convert3(root *yaml.Node) {
	pairs(yamlnode.MapValue(root, "channels"), func(key string, _, v *yaml.Node) {
		c.channel3(key, v, "/channels/"+yamlnode.EscapePointer(key))
	})
	pairs(yamlnode.MapValue(root, "operations"), func(id string, _, v *yaml.Node) {
		pointer := "/operations/" + yamlnode.EscapePointer(id)
		t, _ := c.l.deref(v)
		if t == nil {
			return
		}
		c.api.Operations = append(c.api.Operations, c.operation3(id, t, pointer))
	})
}

// channel3 converts a 3.x channel (or returns the one already converted
// from the same node).
func (c *conv) channel3(key string, v *yaml.Node, pointer string) *spec.Channel {
	t, ref := c.l.deref(v)
	if t == nil {
		return nil
	}
	if ch, ok := c.chanByNode[t]; ok {
		return ch
	}
	if ref != "" && key == "" {
		key = lastToken(ref)
	}
	ch := &spec.Channel{
		Key: key, Slug: c.chanSlugs.Next(key, "channel", true), Title: str(t, "title"),
		Summary: str(t, "summary"), Description: str(t, "description"),
		ExternalDocs: c.externalDocs(yamlnode.MapValue(t, "externalDocs")), Tags: c.tags(yamlnode.MapValue(t, "tags")),
		Bindings: c.bindings(yamlnode.MapValue(t, "bindings")), Pointer: pointer,
	}
	if a := yamlnode.MapValue(t, "address"); a != nil && a.Tag != "!!null" {
		ch.Address = a.Value
	}
	c.chanByNode[t] = ch
	c.api.Channels = append(c.api.Channels, ch)
	pairs(yamlnode.MapValue(t, "parameters"), func(name string, _, pv *yaml.Node) {
		p, _ := c.l.deref(pv)
		if p == nil {
			return
		}
		sch := &spec.Schema{Type: []string{"string"}, Description: ""}
		if e := yamlnode.MapValue(p, "enum"); e != nil && e.Kind == yaml.SequenceNode {
			sch.Enum = yamljson.Values(e.Content)
		}
		if d := yamlnode.MapValue(p, "default"); d != nil {
			sch.Default, sch.HasDefault = yamljson.Value(d), true
		}
		if ex := yamlnode.MapValue(p, "examples"); ex != nil && ex.Kind == yaml.SequenceNode {
			sch.Examples = yamljson.Values(ex.Content)
			if len(sch.Examples) > 0 {
				sch.Example = sch.Examples[0]
			}
		}
		ch.Parameters = append(ch.Parameters, spec.Parameter{
			Name: name, In: "channel", Required: true, Description: str(p, "description"),
			Location: str(p, "location"), Schema: sch,
		})
	})
	for _, s := range items(yamlnode.MapValue(t, "servers")) {
		if rn := yamlnode.Ref(s); rn != nil {
			ch.Servers = append(ch.Servers, lastToken(rn.Value))
			c.l.resolve(rn)
		}
	}
	pairs(yamlnode.MapValue(t, "messages"), func(mkey string, _, mv *yaml.Node) {
		if m := c.message(mkey, mv, pointer+"/messages/"+yamlnode.EscapePointer(mkey)); m != nil {
			ch.Messages = append(ch.Messages, m)
		}
	})
	return ch
}

func (c *conv) operation3(id string, t *yaml.Node, pointer string) *spec.Operation {
	t, traits := c.applyTraits(t, "operationTraits")
	op := &spec.Operation{ID: id, Action: str(t, "action"), Pointer: pointer, Traits: traits}
	c.commonOperation(op, t)
	op.Method = strings.ToUpper(op.Action)
	if cn := yamlnode.MapValue(t, "channel"); cn != nil {
		op.Channel = c.channel3("", cn, "")
	}
	if op.Channel == nil {
		c.l.problem(spec.Error, "operation", t, pointer, "operation "+id+" has no channel",
			"Add channel: {$ref: '#/channels/NAME'} to the operation.")
	} else {
		op.Path = op.Channel.Label()
	}
	op.Messages = c.messages3(t, op.Channel, pointer)
	if rv := yamlnode.MapValue(t, "reply"); rv != nil {
		op.Reply = c.reply(rv, pointer+"/reply")
	}
	op.Slug = c.opSlugs.Next(id, "operation", true)
	return op
}

func (c *conv) reply(v *yaml.Node, pointer string) *spec.Reply {
	t, _ := c.l.deref(v)
	if t == nil {
		return nil
	}
	r := &spec.Reply{}
	if a := yamlnode.MapValue(t, "address"); a != nil {
		if at, _ := c.l.deref(a); at != nil {
			r.AddressLocation, r.AddressDescription = str(at, "location"), str(at, "description")
		}
	}
	if cn := yamlnode.MapValue(t, "channel"); cn != nil {
		r.Channel = c.channel3("", cn, "")
	}
	r.Messages = c.messages3(t, r.Channel, pointer)
	return r
}

// messages3 converts the messages of a 3.x operation or reply (t). None
// listed: it uses every message of its channel ch.
func (c *conv) messages3(t *yaml.Node, ch *spec.Channel, pointer string) []*spec.Message {
	ms := yamlnode.MapValue(t, "messages")
	if ms == nil {
		if ch != nil {
			return ch.Messages
		}
		return nil
	}
	var out []*spec.Message
	for i, mv := range items(ms) {
		if m := c.message("", mv, pointer+"/messages/"+strconv.Itoa(i)); m != nil {
			out = append(out, m)
		}
	}
	return out
}

// --- 2.x ---

func (c *conv) convert2(root *yaml.Node) {
	pairs(yamlnode.MapValue(root, "channels"), func(address string, _, v *yaml.Node) {
		pointer := "/channels/" + yamlnode.EscapePointer(address)
		t, _ := c.l.deref(v)
		if t == nil {
			return
		}
		ch := &spec.Channel{
			Key: address, Address: address, Slug: c.chanSlugs.Next(address, "channel", true),
			Description: str(t, "description"), Bindings: c.bindings(yamlnode.MapValue(t, "bindings")), Pointer: pointer,
		}
		c.chanByNode[t] = ch
		c.api.Channels = append(c.api.Channels, ch)
		for _, s := range items(yamlnode.MapValue(t, "servers")) {
			ch.Servers = append(ch.Servers, s.Value)
		}
		pairs(yamlnode.MapValue(t, "parameters"), func(name string, _, pv *yaml.Node) {
			p, _ := c.l.deref(pv)
			if p == nil {
				return
			}
			ch.Parameters = append(ch.Parameters, spec.Parameter{
				Name: name, In: "channel", Required: true, Description: str(p, "description"),
				Location: str(p, "location"), Schema: c.schemas.node(yamlnode.MapValue(p, "schema")),
			})
		})
		pairs(t, func(key string, _, ov *yaml.Node) {
			// publish: others publish, the application receives; subscribe:
			// others subscribe, the application sends.
			action := map[string]string{"publish": "receive", "subscribe": "send"}[key]
			if action == "" {
				return
			}
			ot, _ := c.l.deref(ov)
			if ot == nil {
				return
			}
			op := c.operation2(ch, action, ot, pointer+"/"+key)
			for _, m := range op.Messages {
				if !slices.Contains(ch.Messages, m) {
					ch.Messages = append(ch.Messages, m)
				}
			}
			c.api.Operations = append(c.api.Operations, op)
		})
	})
}

func (c *conv) operation2(ch *spec.Channel, action string, t *yaml.Node, pointer string) *spec.Operation {
	t, traits := c.applyTraits(t, "operationTraits")
	id := str(t, "operationId")
	op := &spec.Operation{ID: id, Action: action, Method: strings.ToUpper(action), Path: ch.Address, Channel: ch, Pointer: pointer, Traits: traits}
	c.commonOperation(op, t)
	if id != "" {
		op.Slug = c.opSlugs.Next(id, "operation", true)
	} else {
		op.Slug = c.opSlugs.Next(action+"-"+ch.Address, "operation", false)
	}
	fallback := id
	if fallback == "" {
		fallback = op.Slug
	}
	if mv := yamlnode.MapValue(t, "message"); mv != nil {
		mt, _ := c.l.deref(mv)
		if alts := items(yamlnode.MapValue(mt, "oneOf")); yamlnode.Ref(mv) == nil && len(alts) > 0 {
			for i, av := range alts {
				key := fallback + "Message" + strconv.Itoa(i+1)
				if m := c.message(key, av, pointer+"/message/oneOf/"+strconv.Itoa(i)); m != nil {
					op.Messages = append(op.Messages, m)
				}
			}
		} else if m := c.message(fallback+"Message", mv, pointer+"/message"); m != nil {
			op.Messages = append(op.Messages, m)
		}
	}
	return op
}

// commonOperation fills what 2.x and 3.x operations share.
func (c *conv) commonOperation(op *spec.Operation, t *yaml.Node) {
	op.Title = str(t, "title")
	op.Summary = str(t, "summary")
	if op.Summary == "" {
		op.Summary = op.Title
	}
	op.Description = str(t, "description")
	op.ExternalDocs = c.externalDocs(yamlnode.MapValue(t, "externalDocs"))
	op.Bindings = c.bindings(yamlnode.MapValue(t, "bindings"))
	op.Deprecated = str(t, "deprecated") == "true"
	for _, tag := range c.tags(yamlnode.MapValue(t, "tags")) {
		op.Tags = append(op.Tags, tag.Name)
		c.declareTag(tag)
	}
	if s := yamlnode.MapValue(t, "security"); s != nil {
		op.Security = c.security(s)
	}
	if op.ID != "" {
		if first, dup := c.opIDs[op.ID]; dup {
			c.l.problem(spec.Error, "operation-id", yamlnode.MapValue(t, "operationId"), op.Pointer,
				fmt.Sprintf("operationId %q is also used at %s", op.ID, first), "Give every operation a unique operationId.")
		} else {
			c.opIDs[op.ID] = op.Pointer
		}
	}
}

// --- messages ---

// message converts the message at v (inline or a $ref), once per target.
// key names it when it is not a component message.
func (c *conv) message(key string, v *yaml.Node, pointer string) *spec.Message {
	t, ref := c.l.deref(v)
	if t == nil {
		return nil
	}
	if m, ok := c.msgByNode[t]; ok {
		return m
	}
	if ref != "" {
		if name, ok := c.l.componentName(ref, "messages"); ok {
			key, pointer = name, "/components/messages/"+yamlnode.EscapePointer(name)
		} else if key == "" {
			key = lastToken(ref)
		}
	}
	if key == "" {
		key = "message" + strconv.Itoa(len(c.api.Messages)+1)
	}
	m := &spec.Message{Key: key, Slug: c.msgSlugs.Next(key, "message", true), Pointer: pointer}
	c.msgByNode[t] = m
	c.api.Messages = append(c.api.Messages, m)

	mt, traits := c.applyTraits(t, "messageTraits")
	m.Traits = traits
	m.Name, m.Title, m.Summary = str(mt, "name"), str(mt, "title"), str(mt, "summary")
	m.Description = str(mt, "description")
	m.ContentType = str(mt, "contentType")
	if m.ContentType == "" {
		m.ContentType = c.api.DefaultContentType
	}
	m.Deprecated = str(mt, "deprecated") == "true"
	if c.l.major >= 3 {
		if p := yamlnode.MapValue(mt, "payload"); p != nil {
			m.Payload = c.schemas.payload(p)
			if pt, _ := c.l.deref(p); pt != nil {
				m.SchemaFormat = str(pt, "schemaFormat")
			}
		}
		m.Headers = c.schemas.payload(yamlnode.MapValue(mt, "headers"))
	} else {
		m.SchemaFormat = str(mt, "schemaFormat")
		m.Payload = c.schemas.withFormat(yamlnode.MapValue(mt, "payload"), m.SchemaFormat)
		m.Headers = c.schemas.node(yamlnode.MapValue(mt, "headers"))
	}
	if isJSONSchemaFormat(m.SchemaFormat) {
		m.SchemaFormat = ""
	}
	if cid := yamlnode.MapValue(mt, "correlationId"); cid != nil {
		if ct, _ := c.l.deref(cid); ct != nil {
			m.CorrelationID = &spec.CorrelationID{Description: str(ct, "description"), Location: str(ct, "location")}
		}
	}
	for i, ev := range items(yamlnode.MapValue(mt, "examples")) {
		ex := spec.MessageExample{Name: str(ev, "name"), Summary: str(ev, "summary")}
		if h := yamlnode.MapValue(ev, "headers"); h != nil {
			ex.Headers = yamljson.Value(h)
		}
		if p := yamlnode.MapValue(ev, "payload"); p != nil {
			ex.Payload = yamljson.Value(p)
		}
		if ex.Name == "" && ex.Summary == "" {
			ex.Name = "Example " + strconv.Itoa(i+1)
		}
		m.Examples = append(m.Examples, ex)
	}
	m.Tags = c.tags(yamlnode.MapValue(mt, "tags"))
	m.ExternalDocs = c.externalDocs(yamlnode.MapValue(mt, "externalDocs"))
	m.Bindings = c.bindings(yamlnode.MapValue(mt, "bindings"))
	return m
}

// --- traits ---

// applyTraits merges the traits of object t into it with JSON Merge Patch
// (RFC 7386), returning the merged object and the traits' names. In 2.x a
// trait overrides the object; in 3.x the object's own fields win.
func (c *conv) applyTraits(t *yaml.Node, kind string) (*yaml.Node, []string) {
	list := items(yamlnode.MapValue(t, "traits"))
	if len(list) == 0 {
		return t, nil
	}
	var names []string
	var traits []*yaml.Node
	for i, tv := range list {
		tt, ref := c.l.deref(tv)
		if tt == nil || tt.Kind != yaml.MappingNode {
			continue
		}
		name := ""
		if ref != "" {
			if n, ok := c.l.componentName(ref, kind); ok {
				name = n
			} else {
				name = lastToken(ref)
			}
		}
		if name == "" {
			name = str(tt, "name")
		}
		if name == "" {
			name = "trait " + strconv.Itoa(i+1)
		}
		names = append(names, name)
		traits = append(traits, tt)
	}
	self := withoutKey(t, "traits")
	var out *yaml.Node
	if c.l.major >= 3 {
		out = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: t.Line, Column: t.Column}
		for _, tr := range traits {
			out = mergePatch(out, tr)
		}
		out = mergePatch(out, self)
	} else {
		out = self
		for _, tr := range traits {
			out = mergePatch(out, tr)
		}
	}
	c.l.owner[out] = c.l.owner[t]
	return out, names
}

// mergePatch returns target patched with patch (RFC 7386), sharing
// unchanged nodes. Objects holding a $ref are replaced, not merged.
func mergePatch(target, patch *yaml.Node) *yaml.Node {
	patch = yamlnode.Resolve(patch)
	if patch == nil || patch.Kind != yaml.MappingNode || yamlnode.Ref(patch) != nil {
		return patch
	}
	target = yamlnode.Resolve(target)
	if target == nil || target.Kind != yaml.MappingNode || yamlnode.Ref(target) != nil {
		target = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: patch.Line, Column: patch.Column}
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: target.Line, Column: target.Column}
	out.Content = append(out.Content, target.Content...)
	for i := 0; i+1 < len(patch.Content); i += 2 {
		k, v := patch.Content[i], yamlnode.Resolve(patch.Content[i+1])
		idx := -1
		for j := 0; j+1 < len(out.Content); j += 2 {
			if out.Content[j].Value == k.Value {
				idx = j
				break
			}
		}
		if v != nil && v.Tag == "!!null" {
			if idx >= 0 {
				out.Content = append(out.Content[:idx:idx], out.Content[idx+2:]...)
			}
			continue
		}
		if idx >= 0 {
			out.Content[idx+1] = mergePatch(out.Content[idx+1], v)
		} else {
			out.Content = append(out.Content, k, mergePatch(nil, v))
		}
	}
	return out
}

func withoutKey(m *yaml.Node, key string) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: m.Line, Column: m.Column}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key {
			out.Content = append(out.Content, m.Content[i], m.Content[i+1])
		}
	}
	return out
}

// --- servers, security, tags, bindings ---

func (c *conv) server(name string, t *yaml.Node) spec.Server {
	s := spec.Server{
		Name: name, Description: str(t, "description"), Title: str(t, "title"), Summary: str(t, "summary"),
		Protocol: str(t, "protocol"), ProtocolVersion: str(t, "protocolVersion"),
		Tags: c.tags(yamlnode.MapValue(t, "tags")), Bindings: c.bindings(yamlnode.MapValue(t, "bindings")),
	}
	if c.l.major >= 3 {
		s.Host, s.Pathname = str(t, "host"), str(t, "pathname")
		s.URL = s.Host + s.Pathname
		if s.Protocol != "" {
			s.URL = s.Protocol + "://" + s.URL
		}
	} else {
		s.URL = str(t, "url")
		rest := s.URL
		if _, after, ok := strings.Cut(rest, "://"); ok {
			rest = after
		}
		s.Host, s.Pathname = rest, ""
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			s.Host, s.Pathname = rest[:i], rest[i:]
		}
	}
	pairs(yamlnode.MapValue(t, "variables"), func(vname string, _, vv *yaml.Node) {
		v, _ := c.l.deref(vv)
		if v == nil {
			return
		}
		sv := spec.ServerVariable{Name: vname, Default: str(v, "default"), Description: str(v, "description")}
		for _, e := range items(yamlnode.MapValue(v, "enum")) {
			sv.Enum = append(sv.Enum, e.Value)
		}
		s.Variables = append(s.Variables, sv)
	})
	if sec := yamlnode.MapValue(t, "security"); sec != nil {
		s.Security = c.security(sec)
	}
	return s
}

// security converts requirements: 2.x lists {scheme: [scopes]} maps like
// OpenAPI; 3.x lists security schemes (usually $refs), any one of which
// suffices. The result is non-nil even when empty.
func (c *conv) security(n *yaml.Node) []spec.SecurityRequirement {
	out := []spec.SecurityRequirement{}
	for _, item := range items(n) {
		if c.l.major < 3 {
			var req spec.SecurityRequirement
			pairs(item, func(key string, _, v *yaml.Node) {
				ref := spec.SchemeRef{Key: key}
				for _, sc := range items(v) {
					ref.Scopes = append(ref.Scopes, sc.Value)
				}
				req.Schemes = append(req.Schemes, ref)
			})
			out = append(out, req)
			continue
		}
		t, ref := c.l.deref(item)
		if t == nil {
			continue
		}
		key := ""
		if ref != "" {
			if name, ok := c.l.componentName(ref, "securitySchemes"); ok {
				key = name
			}
		}
		if key == "" {
			// An inline scheme: list it with the others so that it has an anchor.
			key = str(t, "type") + "-" + strconv.Itoa(len(c.api.SecuritySchemes)+1)
			c.api.SecuritySchemes = append(c.api.SecuritySchemes, c.securityScheme(key, t))
		}
		sr := spec.SchemeRef{Key: key}
		for _, sc := range items(yamlnode.MapValue(t, "scopes")) {
			sr.Scopes = append(sr.Scopes, sc.Value)
		}
		out = append(out, spec.SecurityRequirement{Schemes: []spec.SchemeRef{sr}})
	}
	return out
}

func (c *conv) securityScheme(key string, t *yaml.Node) spec.SecurityScheme {
	s := spec.SecurityScheme{
		Key: key, Type: str(t, "type"), Description: str(t, "description"), Name: str(t, "name"), In: str(t, "in"),
		Scheme: str(t, "scheme"), BearerFormat: str(t, "bearerFormat"), OpenIDConnectURL: str(t, "openIdConnectUrl"),
	}
	flows := yamlnode.MapValue(t, "flows")
	for _, name := range []string{"implicit", "password", "clientCredentials", "authorizationCode"} {
		f := yamlnode.MapValue(flows, name)
		if f == nil {
			continue
		}
		flow := spec.OAuthFlow{Type: name, AuthorizationURL: str(f, "authorizationUrl"), TokenURL: str(f, "tokenUrl"), RefreshURL: str(f, "refreshUrl")}
		scopes := yamlnode.MapValue(f, "availableScopes")
		if scopes == nil {
			scopes = yamlnode.MapValue(f, "scopes")
		}
		pairs(scopes, func(sc string, _, v *yaml.Node) {
			flow.Scopes = append(flow.Scopes, spec.Scope{Name: sc, Description: v.Value})
		})
		s.Flows = append(s.Flows, flow)
	}
	return s
}

func (c *conv) externalDocs(n *yaml.Node) *spec.ExternalDocs {
	t, _ := c.l.deref(n)
	if t == nil || t.Kind != yaml.MappingNode {
		return nil
	}
	return &spec.ExternalDocs{Description: str(t, "description"), URL: str(t, "url")}
}

func (c *conv) tags(n *yaml.Node) []spec.Tag {
	var out []spec.Tag
	for _, tv := range items(n) {
		t, _ := c.l.deref(tv)
		if t == nil {
			continue
		}
		out = append(out, spec.Tag{Name: str(t, "name"), Description: str(t, "description"), ExternalDocs: c.externalDocs(yamlnode.MapValue(t, "externalDocs"))})
	}
	return out
}

func (c *conv) declareTag(t spec.Tag) {
	if t.Name == "" || c.tagSeen[t.Name] {
		return
	}
	c.tagSeen[t.Name] = true
	c.api.Tags = append(c.api.Tags, t)
}

// schemaFields are binding fields whose value is a schema: Kafka's key,
// groupId and clientId, HTTP's and WebSockets' query and headers.
var schemaFields = map[string]bool{"key": true, "groupId": true, "clientId": true, "query": true, "headers": true}

// bindings converts a bindings object: one Binding per protocol, its
// fields flattened to dotted names.
func (c *conv) bindings(n *yaml.Node) []spec.Binding {
	t, _ := c.l.deref(n)
	var out []spec.Binding
	pairs(t, func(proto string, _, v *yaml.Node) {
		if strings.HasPrefix(proto, "x-") {
			return
		}
		bt, _ := c.l.deref(v)
		if bt == nil {
			return
		}
		b := spec.Binding{Protocol: proto, Version: str(bt, "bindingVersion")}
		c.bindingFields(&b, "", bt, 0)
		out = append(out, b)
	})
	return out
}

func (c *conv) bindingFields(b *spec.Binding, prefix string, n *yaml.Node, depth int) {
	pairs(n, func(key string, _, v *yaml.Node) {
		if key == "bindingVersion" && prefix == "" {
			return
		}
		name := prefix + key
		if prefix == "" && schemaFields[key] && v.Kind == yaml.MappingNode {
			b.Fields = append(b.Fields, spec.BindingField{Name: name, Schema: c.schemas.node(v)})
			return
		}
		if rn := yamlnode.Ref(v); rn != nil {
			if t, _ := c.l.deref(v); t != nil {
				v = t
			}
		}
		if v.Kind == yaml.MappingNode && len(v.Content) > 0 && depth < 4 {
			c.bindingFields(b, name+".", v, depth+1)
			return
		}
		b.Fields = append(b.Fields, spec.BindingField{Name: name, Value: scalarText(v)})
	})
}

// scalarText shows a binding value: strings as themselves, anything else
// as JSON.
func scalarText(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		return n.Value
	}
	return string(yamljson.Append(nil, n))
}
