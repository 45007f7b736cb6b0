// Package cfnspec checks a CloudFormation template against AWS's own
// resource specification: the database npm @aws-cdk/aws-service-spec
// ships (db.json.gz, built from the CloudFormation registry schemas; make
// deps installs it under scripts/deploy-check). Every resource type,
// property name and type, required property, allowed value, Ref and
// GetAtt is checked. It checks the JSON a deploy sends, whatever built it;
// typed resources (goformation) would check names and types at compile
// time, but neither required properties nor GetAtt attributes, and lag the
// registry.
package cfnspec

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Path is where make deps puts the database, from the module root.
const Path = "scripts/deploy-check/node_modules/@aws-cdk/aws-service-spec/db.json.gz"

// specType is a property's or attribute's type in the database.
type specType struct {
	Type      string    `json:"type"` // string json array integer number tag ref map boolean union
	Element   *specType `json:"element"`
	Reference *struct {
		Ref string `json:"$ref"`
	} `json:"reference"`
	Types         []specType `json:"types"` // union
	AllowedValues []any      `json:"allowedValues"`
}

type specProp struct {
	Type          specType   `json:"type"`
	Required      bool       `json:"required"`
	PreviousTypes []specType `json:"previousTypes"`
}

type specResource struct {
	ID         string              `json:"$id"`
	CFNType    string              `json:"cloudFormationType"`
	Properties map[string]specProp `json:"properties"`
	Attributes map[string]specProp `json:"attributes"`
}

type specTypeDef struct {
	ID         string              `json:"$id"`
	Name       string              `json:"name"`
	Properties map[string]specProp `json:"properties"`
}

// Spec is the loaded specification.
type Spec struct {
	resources map[string]specResource
	types     map[string]specTypeDef
}

// Load reads the database below the module root.
func Load(root string) (*Spec, error) {
	f, err := os.Open(filepath.Join(root, Path))
	if err != nil {
		return nil, fmt.Errorf("%w; run make deps (npm ci in scripts/deploy-check)", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var db struct {
		Schema struct {
			Resource       struct{ Entities []specResource }
			TypeDefinition struct{ Entities []specTypeDef }
		}
	}
	if err := json.NewDecoder(zr).Decode(&db); err != nil {
		return nil, fmt.Errorf("%s: %w", Path, err)
	}
	s := &Spec{resources: map[string]specResource{}, types: map[string]specTypeDef{}}
	for _, r := range db.Schema.Resource.Entities {
		s.resources[r.CFNType] = r
	}
	for _, t := range db.Schema.TypeDefinition.Entities {
		s.types[t.ID] = t
	}
	return s, nil
}

// checker walks one template and collects its problems.
type checker struct {
	s        *Spec
	tpl      map[string]any
	problems []string
}

func (c *checker) errorf(at, format string, args ...any) {
	c.problems = append(c.problems, at+": "+fmt.Sprintf(format, args...))
}

var pseudo = map[string]bool{
	"AWS::AccountId": true, "AWS::NotificationARNs": true, "AWS::NoValue": true, "AWS::Partition": true,
	"AWS::Region": true, "AWS::StackId": true, "AWS::StackName": true, "AWS::URLSuffix": true,
}

func (c *checker) section(name string) map[string]any {
	m, _ := c.tpl[name].(map[string]any)
	return m
}

// checkRef checks a Ref target: a parameter, a resource or a pseudo parameter.
func (c *checker) checkRef(at, name string) {
	if pseudo[name] {
		return
	}
	if _, ok := c.section("Parameters")[name]; ok {
		return
	}
	if _, ok := c.section("Resources")[name]; ok {
		return
	}
	c.errorf(at, "Ref %q names no parameter, resource or pseudo parameter", name)
}

// checkGetAtt checks that the resource exists and has the attribute.
func (c *checker) checkGetAtt(at, res, attr string) {
	r, ok := c.section("Resources")[res].(map[string]any)
	if !ok {
		c.errorf(at, "GetAtt %s.%s: no resource %q", res, attr, res)
		return
	}
	typ, _ := r["Type"].(string)
	sr, ok := c.s.resources[typ]
	if !ok {
		return // reported on the resource
	}
	if _, ok := sr.Attributes[attr]; !ok {
		var names []string
		for n := range sr.Attributes {
			names = append(names, n)
		}
		sort.Strings(names)
		c.errorf(at, "GetAtt %s.%s: %s has no attribute %q (it has %s)", res, attr, typ, attr, strings.Join(names, ", "))
	}
}

var subVar = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// pairArgs is what the intrinsics that take a list of two take.
var pairArgs = map[string]string{
	"Fn::GetAtt": "[resource, attribute]",
	"Fn::Join":   "[separator, list]",
	"Fn::Select": "[index, list]",
	"Fn::Split":  "[separator, string]",
}

// intrinsic checks v if it is an intrinsic function and reports whether it
// was one; its value is then taken as fitting the expected type.
func (c *checker) intrinsic(at string, v any, want *specType) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	for k, arg := range m {
		args, _ := arg.([]any)
		if shape, ok := pairArgs[k]; ok && len(args) != 2 {
			c.errorf(at, "%s takes %s", k, shape)
			return true
		}
		switch k {
		case "Ref":
			name, _ := arg.(string)
			c.checkRef(at, name)
		case "Fn::GetAtt":
			res, _ := args[0].(string)
			attr, _ := args[1].(string)
			c.checkGetAtt(at, res, attr)
		case "Fn::Sub":
			s, ok := arg.(string)
			if !ok {
				c.errorf(at, "Fn::Sub takes a string here")
				return true
			}
			for _, mm := range subVar.FindAllStringSubmatch(s, -1) {
				name := mm[1]
				if res, attr, ok := strings.Cut(name, "."); ok {
					c.checkGetAtt(at, res, attr)
				} else {
					c.checkRef(at, name)
				}
			}
		case "Fn::Join":
			list, _ := args[1].([]any)
			for i, e := range list {
				c.value(fmt.Sprintf("%s/Fn::Join/%d", at, i), e, &specType{Type: "string"})
			}
		case "Fn::Select":
			c.intrinsic(at+"/Fn::Select", args[1], nil)
		case "Fn::Split":
			c.value(at+"/Fn::Split", args[1], &specType{Type: "string"})
		default:
			if strings.HasPrefix(k, "Fn::") {
				c.errorf(at, "intrinsic %s is not used by this template's checker; teach the test", k)
				return true
			}
			return false
		}
		return true
	}
	return false
}

// value checks v against t.
func (c *checker) value(at string, v any, t *specType) {
	if t == nil || c.intrinsic(at, v, t) {
		return
	}
	switch t.Type {
	case "string":
		s, ok := v.(string)
		if !ok {
			c.errorf(at, "want a string, got %T", v)
			return
		}
		if len(t.AllowedValues) > 0 && !slices.Contains(t.AllowedValues, any(s)) {
			c.errorf(at, "%q is not one of %v", s, t.AllowedValues)
		}
	case "integer", "number":
		f, ok := v.(float64)
		if !ok {
			c.errorf(at, "want a %s, got %T", t.Type, v)
		} else if t.Type == "integer" && f != float64(int64(f)) {
			c.errorf(at, "want an integer, got %v", f)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			c.errorf(at, "want a boolean, got %T", v)
		}
	case "json":
		if _, ok := v.(map[string]any); !ok {
			c.errorf(at, "want a JSON object, got %T", v)
		}
	case "tag":
		m, ok := v.(map[string]any)
		if !ok || m["Key"] == nil || m["Value"] == nil {
			c.errorf(at, "want a {Key, Value} tag")
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			c.errorf(at, "want a list, got %T", v)
			return
		}
		for i, e := range a {
			c.value(fmt.Sprintf("%s/%d", at, i), e, t.Element)
		}
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			c.errorf(at, "want a map, got %T", v)
			return
		}
		for k, e := range m {
			c.value(at+"/"+k, e, t.Element)
		}
	case "ref":
		td, ok := c.s.types[t.Reference.Ref]
		if !ok {
			c.errorf(at, "spec: unknown type %s", t.Reference.Ref)
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			c.errorf(at, "want a %s object, got %T", td.Name, v)
			return
		}
		c.props(at, m, td.Properties, td.Name)
	case "union":
		// Fits if it fits one of the types.
		for _, u := range t.Types {
			sub := &checker{s: c.s, tpl: c.tpl}
			sub.value(at, v, &u)
			if len(sub.problems) == 0 {
				return
			}
		}
		c.errorf(at, "fits none of the types of a union")
	default:
		c.errorf(at, "spec: unknown type kind %q", t.Type)
	}
}

// props checks an object's properties: known names, fitting values, and
// every required one present.
func (c *checker) props(at string, m map[string]any, props map[string]specProp, what string) {
	for k, v := range m {
		p, ok := props[k]
		if !ok {
			c.errorf(at, "%s has no property %q", what, k)
			continue
		}
		// A value fits the property's type, or one it had before (the
		// database keeps both when a schema changed).
		sub := &checker{s: c.s, tpl: c.tpl}
		sub.value(at+"/"+k, v, &p.Type)
		if len(sub.problems) > 0 {
			fits := false
			for _, pt := range p.PreviousTypes {
				prev := &checker{s: c.s, tpl: c.tpl}
				prev.value(at+"/"+k, v, &pt)
				fits = fits || len(prev.problems) == 0
			}
			if !fits {
				c.problems = append(c.problems, sub.problems...)
			}
		}
	}
	for name, p := range props {
		if _, ok := m[name]; p.Required && !ok {
			c.errorf(at, "%s needs property %q", what, name)
		}
	}
}

// Check checks a template's JSON and returns its problems, sorted, each
// with its place (Resources/Name/Properties/…).
func Check(s *Spec, raw []byte) []string {
	var tpl map[string]any
	if err := json.Unmarshal(raw, &tpl); err != nil {
		return []string{err.Error()}
	}
	c := &checker{s: s, tpl: tpl}
	for name, r := range c.section("Resources") {
		at := "Resources/" + name
		res, ok := r.(map[string]any)
		if !ok {
			c.errorf(at, "not an object")
			continue
		}
		for k := range res {
			if !slices.Contains([]string{"Type", "Properties", "DeletionPolicy", "UpdateReplacePolicy", "DependsOn", "Condition", "Metadata"}, k) {
				c.errorf(at, "unknown resource attribute %q", k)
			}
		}
		typ, _ := res["Type"].(string)
		sr, ok := s.resources[typ]
		if !ok {
			c.errorf(at, "unknown resource type %q", typ)
			continue
		}
		for _, pol := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
			if v, ok := res[pol]; ok && !slices.Contains([]any{"Delete", "Retain", "RetainExceptOnCreate", "Snapshot"}, v) {
				c.errorf(at, "%s %v", pol, v)
			}
		}
		props, _ := res["Properties"].(map[string]any)
		c.props(at+"/Properties", props, sr.Properties, typ)
	}
	for name, o := range c.section("Outputs") {
		m, _ := o.(map[string]any)
		c.value("Outputs/"+name, m["Value"], &specType{Type: "string"})
	}
	sort.Strings(c.problems)
	return c.problems
}

// Resources counts a template's resources.
func Resources(raw []byte) int {
	var tpl struct{ Resources map[string]json.RawMessage }
	_ = json.Unmarshal(raw, &tpl)
	return len(tpl.Resources)
}
