// Package openapi loads OpenAPI 2.0, 3.0 and 3.1 descriptions with libopenapi
// and converts them to the portal's own model in package spec. It also
// reports problems (errors and lint warnings) with file, line and JSON
// pointer, so authors can fix their descriptions.
package openapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel"
	v2high "github.com/pb33f/libopenapi/datamodel/high/v2"
	v3high "github.com/pb33f/libopenapi/datamodel/high/v3"
	v2low "github.com/pb33f/libopenapi/datamodel/low/v2"
	v3low "github.com/pb33f/libopenapi/datamodel/low/v3"
	"github.com/pb33f/libopenapi/index"
	"github.com/pb33f/libopenapi/utils"

	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/generator/yamlnode"
)

// ErrUnusable is wrapped by the error Load returns when no API could be built.
var ErrUnusable = errors.New("no usable API description")

// Load parses an OpenAPI 2.0, 3.0 or 3.1 description (YAML or JSON) with
// libopenapi and converts it to our model. file is used in Problems.
// Problems holds every error and lint warning found; err is non-nil only
// when nothing usable could be built (then Problems explains why too).
// Relative file references are not followed; use LoadFile for that.
func Load(file string, data []byte) (*spec.API, []spec.Problem, error) {
	return load(file, data, newConfig())
}

// LoadFile reads and loads the description at path like Load, and also
// follows $refs to files relative to its directory.
func LoadFile(path string) (*spec.API, []spec.Problem, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		p := spec.Problem{Severity: spec.Error, File: path, Rule: "read",
			Message: fmt.Sprintf("cannot read the file: %v", err),
			Hint:    "Check that the path exists and is readable."}
		return nil, []spec.Problem{p}, fmt.Errorf("load spec %s: %w", path, err)
	}
	cfg := newConfig()
	dir, _ := filepath.Abs(filepath.Dir(path))
	cfg.BasePath = dir
	cfg.SpecFilePath = filepath.Base(path)
	cfg.AllowFileReferences = true
	return load(path, data, cfg)
}

// Validate returns the problems Load would report for data.
func Validate(file string, data []byte) []spec.Problem {
	_, problems, _ := Load(file, data)
	return problems
}

func newConfig() *datamodel.DocumentConfiguration {
	cfg := datamodel.NewDocumentConfiguration()
	cfg.Logger = slog.New(slog.DiscardHandler)
	return cfg
}

// loader carries the state of one Load call.
type loader struct {
	file     string
	root     *yaml.Node       // the document's top mapping
	idx      *index.SpecIndex // libopenapi's index of the root document
	problems []spec.Problem
}

func load(file string, data []byte, cfg *datamodel.DocumentConfiguration) (*spec.API, []spec.Problem, error) {
	l := &loader{file: file}
	info, err := datamodel.ExtractSpecInfoWithConfig(data, cfg)
	if err != nil || info == nil || info.RootNode == nil {
		l.syntaxProblem(data, err)
		return nil, l.problems, l.fatal()
	}
	if len(info.RootNode.Content) > 0 {
		l.root = info.RootNode.Content[0]
	}
	var api *spec.API
	switch {
	case info.SpecType == utils.OpenApi3:
		api = l.buildV3(info, cfg)
	case info.SpecType == utils.OpenApi2:
		api = l.buildV2(info, cfg)
	case info.SpecType == utils.AsyncApi:
		l.add(spec.Error, "unsupported", "", "this is an AsyncAPI description, not OpenAPI",
			"Load it with the AsyncAPI adapter, or give the file an asyncapi extension the portal recognises.")
	default:
		l.add(spec.Error, "unsupported", "", "the document has neither an openapi nor a swagger field",
			`Start the document with "openapi: 3.1.0" (or 3.0.x), or "swagger: \"2.0\"" for Swagger 2.0.`)
	}
	if api == nil {
		return nil, l.problems, l.fatal()
	}
	l.lint(api)
	return api, l.problems, nil
}

func (l *loader) fatal() error {
	for _, p := range l.problems {
		if p.Severity == spec.Error {
			return fmt.Errorf("load spec %s: %s: %w", l.file, p.Message, ErrUnusable)
		}
	}
	return fmt.Errorf("load spec %s: %w", l.file, ErrUnusable)
}

// add records a problem located at the JSON pointer (which may be "").
func (l *loader) add(sev spec.Severity, rule, pointer, msg, hint string) {
	line, col := l.locate(pointer)
	l.problems = append(l.problems, spec.Problem{
		Severity: sev, File: l.file, Line: line, Column: col,
		Pointer: pointer, Message: msg, Hint: hint, Rule: rule,
	})
}

// addAt records a problem at a known node.
func (l *loader) addAt(sev spec.Severity, rule, pointer string, n *yaml.Node, msg, hint string) {
	p := spec.Problem{Severity: sev, File: l.file, Pointer: pointer, Message: msg, Hint: hint, Rule: rule}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	} else {
		p.Line, p.Column = l.locate(pointer)
	}
	l.problems = append(l.problems, p)
}

// locate finds the line and column of the node a JSON pointer names: the
// key for a mapping member, the item for a sequence element. It falls back
// to the deepest node found.
func (l *loader) locate(pointer string) (int, int) {
	n := yamlnode.Locate(l.root, pointer)
	if n == nil {
		return 0, 0
	}
	return n.Line, n.Column
}

// lookup returns the value node a JSON pointer names, or nil.
func (l *loader) lookup(tokens ...string) *yaml.Node {
	n := l.root
	for _, tok := range tokens {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == tok {
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	return n
}

var lineRE = regexp.MustCompile(`(?:line |L)(\d+)(?:, column |\.C)?(\d+)?`)

// syntaxProblem explains why the bytes could not be parsed at all.
func (l *loader) syntaxProblem(data []byte, err error) {
	p := spec.Problem{Severity: spec.Error, File: l.file, Rule: "parse"}
	trimmed := strings.TrimSpace(string(data))
	switch {
	case trimmed == "":
		p.Message = "the file is empty"
		p.Hint = "Write an OpenAPI description into it, starting with \"openapi: 3.1.0\"."
	case strings.HasPrefix(trimmed, "{"):
		var v any
		jerr := json.Unmarshal(data, &v)
		var se *json.SyntaxError
		if errors.As(jerr, &se) {
			p.Line, p.Column = offsetPosition(data, int(se.Offset))
			p.Message = "JSON syntax error: " + se.Error()
		} else if jerr != nil {
			p.Message = "JSON syntax error: " + jerr.Error()
		} else {
			p.Message = "cannot parse the document: " + errString(err)
		}
		p.Hint = "Fix the JSON syntax at this position (a missing comma, quote or bracket is the usual cause)."
	default:
		var n yaml.Node
		yerr := yaml.Unmarshal(data, &n)
		if yerr == nil {
			yerr = err
		}
		msg := errString(yerr)
		if m := lineRE.FindStringSubmatch(msg); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			if m[2] != "" {
				p.Column, _ = strconv.Atoi(m[2])
			}
		}
		msg = strings.TrimPrefix(msg, "unable to parse specification: ")
		p.Message = "YAML syntax error: " + strings.TrimPrefix(msg, "yaml: ")
		p.Hint = "Fix the YAML at this line: check indentation, unclosed quotes and stray tabs or colons."
	}
	l.problems = append(l.problems, p)
}

func errString(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// offsetPosition turns a byte offset into a 1-based line and column.
func offsetPosition(data []byte, off int) (int, int) {
	if off > len(data) {
		off = len(data)
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// buildErrors turns libopenapi's build errors into Problems. Circular
// references are legal in OpenAPI and only reported when no instance can
// ever satisfy them.
func (l *loader) buildErrors(err error, idx *index.SpecIndex) {
	seen := map[string]bool{}
	var errs []error
	errs = append(errs, utils.UnwrapErrors(err)...)
	if idx != nil {
		errs = append(errs, idx.GetReferenceIndexErrors()...)
	}
	for _, e := range errs {
		if e == nil {
			continue
		}
		var re *index.ResolvingError
		var ie *index.IndexingError
		switch {
		case errors.As(e, &re):
			if cr := re.CircularReference; cr != nil {
				if !cr.IsInfiniteLoop {
					continue
				}
				ref := ""
				if cr.LoopPoint != nil {
					ref = cr.LoopPoint.Definition
				}
				key := "circ:" + ref
				if seen[key] {
					continue
				}
				seen[key] = true
				l.addAt(spec.Warning, "circular-ref", "", re.Node,
					fmt.Sprintf("schema %s refers to itself through required properties only, so no finite value can match it", ref),
					"Make one property in the loop optional or nullable.")
				continue
			}
			l.refProblem(seen, e.Error(), re.Path, re.Node)
		case errors.As(e, &ie):
			l.refProblem(seen, ie.Error(), ie.Path, ie.Node)
		default:
			msg := e.Error()
			if seen["msg:"+msg] {
				continue
			}
			seen["msg:"+msg] = true
			l.addAt(spec.Error, "build", "", nil, msg, "Fix the part of the description named in the message.")
		}
	}
}

func (l *loader) refProblem(seen map[string]bool, msg, path string, n *yaml.Node) {
	ref := ""
	if n != nil {
		if v := utils.GetRefValueNode(n); v != nil {
			ref, n = v.Value, v
		} else if n.Kind == yaml.ScalarNode {
			ref = n.Value
		}
	}
	key := fmt.Sprintf("ref:%s:%d:%d", msg, lineOf(n), colOf(n))
	if seen[key] {
		return
	}
	seen[key] = true
	where := ""
	if path != "" {
		where = " at " + path
	}
	text := fmt.Sprintf("cannot resolve $ref %q%s", ref, where)
	if ref == "" {
		text = msg
	}
	l.addAt(spec.Error, "ref", "", n, text,
		"Point the $ref at an existing component (e.g. #/components/schemas/Name) or fix the file path.")
}

func lineOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

func colOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Column
}

func (l *loader) buildV3(info *datamodel.SpecInfo, cfg *datamodel.DocumentConfiguration) *spec.API {
	low, err := v3low.CreateDocumentFromConfig(info, cfg)
	if !l.built(low != nil, "OpenAPI", "openapi", err, func() *index.SpecIndex { return low.Index }) {
		return nil
	}
	return l.convertV3(info, v3high.NewDocument(low))
}

func (l *loader) buildV2(info *datamodel.SpecInfo, cfg *datamodel.DocumentConfiguration) *spec.API {
	low, err := v2low.CreateDocumentFromConfig(info, cfg)
	if !l.built(low != nil, "Swagger", "swagger", err, func() *index.SpecIndex { return low.Index }) {
		return nil
	}
	return l.convertV2(info, v2high.NewSwaggerDocument(low))
}

// built reports the outcome of building the low-level document: none
// (ok false) is an error naming the document (what) and its version
// field; otherwise the document's index is kept and its build errors
// reported.
func (l *loader) built(ok bool, what, field string, err error, idx func() *index.SpecIndex) bool {
	if !ok {
		l.add(spec.Error, "build", "", "cannot build the "+what+" document: "+errString(err),
			"Check the "+field+" version field and the document structure.")
		return false
	}
	l.idx = idx()
	l.buildErrors(err, l.idx)
	return true
}
