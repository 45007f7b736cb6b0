package asyncapi_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/generator/asyncapi"
	"github.com/portal-dev/portal/generator/render"
	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/internal/testfiles"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden")

// load loads a description and fails on any error-level problem.
func load(t *testing.T, path string) *spec.API {
	t.Helper()
	api, problems, err := asyncapi.LoadFile(path)
	if err != nil {
		t.Fatalf("LoadFile(%s) = %v", path, err)
	}
	for _, p := range problems {
		if p.Severity == spec.Error {
			t.Errorf("LoadFile(%s) problem %s:%d %s: %s", path, p.File, p.Line, p.Pointer, p.Message)
		}
	}
	return api
}

func TestIsAsyncAPI(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   string
		want bool
	}{
		"yaml":            {"asyncapi: 3.0.0\ninfo: {}\n", true},
		"json":            {`{"asyncapi": "2.6.0"}`, true},
		"comment first":   {"# Streetlights\n---\nasyncapi: 3.1.0\n", true},
		"openapi":         {"openapi: 3.1.0\n", false},
		"asyncapi second": {"info: {}\nasyncapi: 3.0.0\n", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := asyncapi.IsAsyncAPI([]byte(tc.in)); got != tc.want {
				t.Errorf("IsAsyncAPI(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	type counts struct {
		Version                                       string
		Servers, Channels, Operations, Messages, Schs int
		Actions                                       []string
	}
	tests := map[string]struct {
		file string
		want counts
	}{
		"2.6 kafka":             {"testdata/accounts-2.6.yaml", counts{"2.6.0", 1, 2, 2, 3, 1, []string{"send", "receive"}}},
		"3.0 mqtt":              {"testdata/streetlights-3.0.yaml", counts{"3.0.0", 1, 2, 2, 2, 3, []string{"receive", "send"}}},
		"3.1 websockets":        {"testdata/ping-3.1.yaml", counts{"3.1.0", 1, 2, 2, 3, 0, []string{"send", "receive"}}},
		"multi-file":            {"testdata/multifile/main.yaml", counts{"3.0.0", 1, 1, 1, 2, 1, []string{"send"}}},
		"sample 3.1 multi-file": {"../../sample-specs/streetlights.asyncapi3.yaml", counts{"3.1.0", 1, 6, 5, 5, 0, []string{"receive", "send", "send", "send", "receive"}}},
		"sample 2.6":            {"../../sample-specs/accounts.asyncapi26.yaml", counts{"2.6.0", 2, 3, 3, 4, 1, []string{"send", "send", "receive"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := load(t, tc.file)
			got := counts{api.SpecVersion, len(api.Servers), len(api.Channels), len(api.Operations), len(api.Messages), len(api.Schemas), nil}
			for _, op := range api.Operations {
				got.Actions = append(got.Actions, op.Action)
				if want := strings.ToUpper(op.Action); op.Method != want {
					t.Errorf("%s: Method = %q, want %q", op.ID, op.Method, want)
				}
				if op.Channel == nil || op.Path == "" {
					t.Errorf("%s: no channel or path", op.ID)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("LoadFile(%s) (-want +got):\n%s", tc.file, diff)
			}
		})
	}
}

// TestMultiFile checks that relative $refs into common files resolve:
// servers, parameters, messages, schemas with cycles, and an Avro file.
func TestMultiFile(t *testing.T) {
	t.Parallel()
	api := load(t, "testdata/multifile/main.yaml")
	if got := api.Servers[0]; got.Protocol != "amqp" || got.Host != "amqp.example.com" || got.Bindings[0].Protocol != "amqp" {
		t.Errorf("server = %+v, want the amqp broker from common/servers.yaml", got)
	}
	ch := api.Channels[0]
	if len(ch.Parameters) != 1 || ch.Parameters[0].Schema == nil || len(ch.Parameters[0].Schema.Enum) != 2 {
		t.Errorf("channel parameters = %+v, want region with enum [eu us]", ch.Parameters)
	}
	byName := map[string]*spec.Message{}
	for _, m := range api.Messages {
		byName[m.Name] = m
	}
	order := byName["orderPlaced"]
	if order == nil || order.Payload == nil {
		t.Fatalf("orderPlaced = %+v, want its payload from common/schemas.yaml", order)
	}
	var props []string
	for _, p := range order.Payload.Properties {
		props = append(props, p.Name)
	}
	if diff := cmp.Diff([]string{"id", "total", "lines"}, props); diff != "" {
		t.Errorf("orderPlaced payload properties (-want +got):\n%s", diff)
	}
	// Order → lines → Line → order → Order: cut, not followed forever.
	line := order.Payload.Properties[2].Schema.Items
	if line == nil || len(line.Properties) != 2 || !strings.Contains(line.Properties[1].Schema.Description, "Circular") {
		t.Errorf("Line.order = %+v, want a circular-reference stub", line)
	}
	avro := byName["orderAvro"]
	if avro == nil || avro.Payload == nil || !strings.Contains(avro.Payload.Raw, `"record"`) || avro.Payload.RawFormat != "Avro 1.9.0" {
		t.Errorf("orderAvro payload = %+v, want the Avro source of common/order.avsc", avro.Payload)
	}
	if api.Schemas[0].Name != "Money" || len(api.Schemas[0].Schema.AllOf) != 1 {
		t.Errorf("components/schemas/Money = %+v, want an alias of common/schemas.yaml#/Money", api.Schemas[0].Schema)
	}
}

func TestProblems(t *testing.T) {
	t.Parallel()
	type want struct {
		Rule, File string
		Line       int
		Pointer    string
		Message    string // a substring
	}
	tests := map[string]struct {
		file string
		want []want
	}{
		"3.0 schema errors": {"testdata/broken/invalid-3.0.yaml", []want{
			{"schema", "invalid-3.0.yaml", 6, "/servers/prod", "missing property 'host'"},
			{"schema", "invalid-3.0.yaml", 17, "/operations/turnOn/action", "'send', 'receive'"},
		}},
		"2.6 schema errors": {"testdata/broken/invalid-2.6.yaml", []want{
			{"schema", "invalid-2.6.yaml", 2, "/info", "missing property 'version'"},
			{"schema", "invalid-2.6.yaml", 7, "/channels/lights/subscribe/message", "'unknownField' not allowed"},
		}},
		"circular refs": {"testdata/broken/circular.yaml", []want{
			{"circular-ref", "circular.yaml", 13, "/components/channels/b", "leads back to itself"},
		}},
		"bad refs": {"testdata/broken/badref.yaml", []want{
			{"ref", "badref.yaml", 10, "/channels/a/messages/m", "common/missing.yaml#/Message"},
			{"ref", "badref.yaml", 12, "/channels/a/messages/n", "nothing at #/components/messages/Nope"},
		}},
		"unsupported version": {"testdata/broken/version.yaml", []want{
			{"version", "version.yaml", 1, "/asyncapi", `"1.2.0" is not supported`},
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			done := make(chan []spec.Problem, 1)
			go func() {
				_, problems, _ := asyncapi.LoadFile(tc.file)
				done <- problems
			}()
			var problems []spec.Problem
			select {
			case problems = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("LoadFile(%s) did not return: a reference loop was followed", tc.file)
			}
			var got []want
			for _, p := range problems {
				if p.Severity != spec.Error {
					continue
				}
				w := want{p.Rule, filepath.Base(p.File), p.Line, p.Pointer, p.Message}
				for _, tw := range tc.want {
					if tw.Rule == w.Rule && tw.Line == w.Line && tw.Pointer == w.Pointer && strings.Contains(w.Message, tw.Message) {
						w.Message = tw.Message
					}
				}
				got = append(got, w)
			}
			slices.SortFunc(got, func(a, b want) int { return a.Line - b.Line })
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("LoadFile(%s) problems (-want +got):\n%s", tc.file, diff)
			}
		})
	}
}

func TestTraits(t *testing.T) {
	t.Parallel()
	v3 := load(t, "testdata/streetlights-3.0.yaml")
	v2 := load(t, "testdata/accounts-2.6.yaml")
	msg := func(api *spec.API, key string) *spec.Message {
		for _, m := range api.Messages {
			if m.Key == key {
				return m
			}
		}
		t.Fatalf("no message %s", key)
		return nil
	}
	tests := map[string]struct {
		m           *spec.Message
		contentType string
		traits      []string
		headers     bool
	}{
		// 3.x: the message's own contentType wins over its trait's.
		"3.0 message wins": {msg(v3, "turnOnOff"), "text/plain", []string{"commonHeaders"}, true},
		"3.0 trait fills":  {msg(v3, "lightMeasured"), "application/json", []string{"commonHeaders"}, true},
		// 2.x: traits are merged over the message (JSON Merge Patch).
		"2.6 trait wins": {msg(v2, "UserSignedUp"), "application/vnd.example+json", []string{"kafkaKey"}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if tc.m.ContentType != tc.contentType {
				t.Errorf("ContentType = %q, want %q", tc.m.ContentType, tc.contentType)
			}
			if diff := cmp.Diff(tc.traits, tc.m.Traits); diff != "" {
				t.Errorf("Traits (-want +got):\n%s", diff)
			}
			if (tc.m.Headers != nil) != tc.headers {
				t.Errorf("Headers = %v, want present=%v", tc.m.Headers, tc.headers)
			}
		})
	}
	if op := v3.Operations[0]; len(op.Bindings) != 1 || op.Bindings[0].Protocol != "mqtt" || !slices.Equal(op.Traits, []string{"mqtt"}) {
		t.Errorf("operation %s bindings = %+v traits %v, want the mqtt operation trait's bindings", op.ID, op.Bindings, op.Traits)
	}
}

func TestBindings(t *testing.T) {
	t.Parallel()
	api := load(t, "testdata/accounts-2.6.yaml")
	type field struct{ Name, Value string }
	flat := func(b spec.Binding) []field {
		var out []field
		for _, f := range b.Fields {
			v := f.Value
			if f.Schema != nil {
				v = "schema " + strings.Join(f.Schema.Type, ",")
			}
			out = append(out, field{f.Name, v})
		}
		return out
	}
	tests := map[string]struct {
		got  spec.Binding
		want []field
	}{
		"server": {api.Servers[0].Bindings[0], []field{{"schemaRegistryUrl", "https://registry.example.com"}, {"schemaRegistryVendor", "confluent"}}},
		"channel": {api.Channels[0].Bindings[0], []field{
			{"topic", "user-signedup"}, {"partitions", "3"}, {"replicas", "2"},
			{"topicConfiguration.cleanup.policy", `["delete"]`}, {"topicConfiguration.retention.ms", "604800000"},
		}},
		"operation trait": {api.Operations[0].Bindings[0], []field{{"groupId", "schema string"}, {"clientId", "schema string"}}},
		"message trait":   {api.Messages[0].Bindings[0], []field{{"key", "schema string"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if tc.got.Protocol != "kafka" || tc.got.Version != "0.4.0" {
				t.Errorf("binding = %s %s, want kafka 0.4.0", tc.got.Protocol, tc.got.Version)
			}
			if diff := cmp.Diff(tc.want, flat(tc.got)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

var channelAnchor = regexp.MustCompile(`#channel-[a-z0-9-]+`)

// TestSameOperations2And3 renders a 2.6 document and its 3.0 equivalent:
// publish/subscribe map to receive/send, and every operation fragment is
// the same (channel anchors aside: 2.x channels are named by address).
func TestSameOperations2And3(t *testing.T) {
	t.Parallel()
	v2, v3 := load(t, "testdata/equiv-2.6.yaml"), load(t, "testdata/equiv-3.0.yaml")
	r2 := render.New(v2, render.Options{Base: "/apis/x/"})
	r3 := render.New(v3, render.Options{Base: "/apis/x/"})
	if len(v2.Operations) != len(v3.Operations) || len(v2.Operations) != 2 {
		t.Fatalf("operations: 2.6 has %d, 3.0 has %d, want 2 each", len(v2.Operations), len(v3.Operations))
	}
	for i, op2 := range v2.Operations {
		op3 := v3.Operations[i]
		t.Run(op2.ID, func(t *testing.T) {
			type line struct{ ID, Slug, Method, Path, Summary string }
			if diff := cmp.Diff(line{op3.ID, op3.Slug, op3.Method, op3.Path, op3.Summary}, line{op2.ID, op2.Slug, op2.Method, op2.Path, op2.Summary}); diff != "" {
				t.Errorf("operation (-3.0 +2.6):\n%s", diff)
			}
			f2, f3 := r2.Operation(op2), r3.Operation(op3)
			for k := range f3 {
				got, want := channelAnchor.ReplaceAllString(f2[k], "#channel"), channelAnchor.ReplaceAllString(f3[k], "#channel")
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("fragment %s (-3.0 +2.6):\n%s", k, diff)
				}
			}
			if diff := cmp.Diff(r3.OperationParts(op3), r2.OperationParts(op2)); diff != "" {
				t.Errorf("OperationParts (-3.0 +2.6):\n%s", diff)
			}
		})
	}
}

// TestGolden renders every page fragment of the fixtures and compares them
// with testdata/golden.
func TestGolden(t *testing.T) {
	t.Parallel()
	fixtures := map[string]string{
		"v2.6":      "testdata/accounts-2.6.yaml",
		"v3.0":      "testdata/streetlights-3.0.yaml",
		"v3.1":      "testdata/ping-3.1.yaml",
		"multifile": "testdata/multifile/main.yaml",
	}
	for name, file := range fixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := load(t, file)
			r := render.New(api, render.Options{Base: "/apis/x/"})
			var b strings.Builder
			section := func(title string, frags map[string]string, keys ...string) {
				b.WriteString("=== " + title + "\n")
				for _, k := range keys {
					if frags[k] == "" {
						continue
					}
					b.WriteString("-- " + k + " --\n" + indentHTML(frags[k]) + "\n")
				}
			}
			section("overview", r.Overview(), "description", "servers", "security", "info")
			section("channels", map[string]string{"index": r.ChannelsIndex()}, "index")
			section("messages", map[string]string{"index": r.MessagesIndex()}, "index")
			for _, op := range api.Operations {
				section("operation "+op.Slug, r.Operation(op), "description", "channel", "security", "parameters", "messages", "reply", "bindings", "examples")
			}
			for _, m := range api.Messages {
				section("message "+m.Slug, r.Message(m), "description", "info", "headers", "payload", "examples", "bindings", "used_by")
			}
			section("nav", map[string]string{"nav": r.Nav(r.OperationURL(api.Operations[0]))}, "nav")
			got := b.String()
			testfiles.Golden(t, filepath.Join("testdata", "golden", name+".golden"), got, *update, "go test ./generator/asyncapi -run TestGolden -update")
		})
	}
}

// indentHTML breaks HTML after closing block tags so golden diffs read well.
func indentHTML(h string) string {
	for _, tag := range []string{"</li>", "</ul>", "</section>", "</details>", "</div>", "</dl>", "</pre>", "</p>", "</h3>", "</h4>", "</tr>", "</table>"} {
		h = strings.ReplaceAll(h, tag, tag+"\n")
	}
	return h
}

func FuzzLoad(f *testing.F) {
	for _, file := range []string{"testdata/accounts-2.6.yaml", "testdata/streetlights-3.0.yaml", "testdata/ping-3.1.yaml", "testdata/broken/circular.yaml"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Any input: no panic, no hang; an API or a problem.
		api, problems, err := asyncapi.Load(filepath.Join(t.TempDir(), "fuzz.yaml"), data)
		if api == nil && len(problems) == 0 {
			t.Errorf("Load returned neither an API nor problems (err %v)", err)
		}
	})
}
