package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// object is a JSON object that keeps its key order when marshalled, so that
// generated examples and examples from the spec print deterministically.
type object []member

type member struct {
	Key   string
	Value any
}

// MarshalJSON writes the members in order. It does not escape <, > and &;
// json.Marshal of an enclosing value does (tryit data).
func (o object) MarshalJSON() ([]byte, error) {
	return marshal(o, "")
}

func (o object) has(key string) bool {
	for _, m := range o {
		if m.Key == key {
			return true
		}
	}
	return false
}

// normalize turns a value from the spec (json.RawMessage holding ordered JSON,
// or plain decoded Go values) into ordered values: object, []any, string,
// json.Number, bool or nil. Maps get sorted keys.
func normalize(v any) any {
	switch v := v.(type) {
	case json.RawMessage:
		out, err := decodeOrdered(v)
		if err != nil {
			return string(v)
		}
		return out
	case []byte:
		return normalize(json.RawMessage(v))
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := make(object, 0, len(keys))
		for _, k := range keys {
			o = append(o, member{k, normalize(v[k])})
		}
		return o
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(e)
		}
		return out
	case object:
		return v
	case float64:
		return json.Number(strconv.FormatFloat(v, 'f', -1, 64))
	case int:
		return json.Number(strconv.Itoa(v))
	case int64:
		return json.Number(strconv.FormatInt(v, 10))
	}
	return v
}

// decodeOrdered decodes JSON keeping object key order.
func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("decode json: trailing data")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o = append(o, member{k, v})
			}
			_, err := dec.Token()
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			return a, err
		}
		return nil, fmt.Errorf("decode json: unexpected %v", t)
	}
	return tok, nil
}

// rawJSON returns v's JSON text when it is already encoded (the adapters
// keep examples, defaults and enums as json.RawMessage in document order):
// re-indenting it is far cheaper than decoding and encoding it again.
func rawJSON(v any, indent string) (string, bool) {
	raw, ok := v.(json.RawMessage)
	if !ok || len(raw) == 0 {
		return "", false
	}
	var buf bytes.Buffer
	var err error
	if indent == "" {
		err = json.Compact(&buf, raw)
	} else {
		err = json.Indent(&buf, raw, "", indent)
	}
	if err != nil {
		return "", false
	}
	return unescapeHTML(buf.Bytes()), true
}

// unescapeHTML turns encoding/json's \u003c, \u003e and \u0026 back into
// the characters (the text is escaped again where it is printed), leaving
// an escaped backslash followed by "u003c" alone.
func unescapeHTML(b []byte) string {
	if !bytes.Contains(b, []byte(`\u00`)) {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			if b[i+1] == 'u' && i+5 < len(b) && b[i+2] == '0' && b[i+3] == '0' {
				switch string(b[i+4 : i+6]) {
				case "3c":
					out = append(out, '<')
					i += 5
					continue
				case "3e":
					out = append(out, '>')
					i += 5
					continue
				case "26":
					out = append(out, '&')
					i += 5
					continue
				}
			}
			out = append(out, b[i], b[i+1])
			i++
			continue
		}
		out = append(out, b[i])
	}
	return string(out)
}

// jsonText is the compact JSON literal of a spec value, for enum values,
// defaults and the like; the template escapes it.
func jsonText(v any) string { return jsonIndent(v, "") }

// jsonPretty is the indented JSON of a value.
func jsonPretty(v any) string { return jsonIndent(v, "  ") }

// jsonIndent is the JSON of a value, indented by indent ("" for compact).
func jsonIndent(v any, indent string) string {
	if s, ok := rawJSON(v, indent); ok {
		return s
	}
	b, err := marshal(normalize(v), indent)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// marshal encodes without HTML escaping: the result is text that templ (or
// the sample builders) escape for their own context. tryit data is encoded
// separately with json.Marshal, which does escape <, > and &. Our ordered
// values are written directly, in one pass, instead of through nested
// MarshalJSON calls that re-encode every level.
func marshal(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeJSON(&buf, v, indent, 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func newline(buf *bytes.Buffer, indent string, depth int) {
	if indent == "" {
		return
	}
	buf.WriteByte('\n')
	for range depth {
		buf.WriteString(indent)
	}
}

// writeElems writes an object's members or an array's elements between
// start and end, each on its own line when indenting; an empty one as {} or [].
func writeElems[E any](buf *bytes.Buffer, start, end byte, elems []E, indent string, depth int, write func(E) error) error {
	buf.WriteByte(start)
	if len(elems) == 0 {
		buf.WriteByte(end)
		return nil
	}
	for i, e := range elems {
		if i > 0 {
			buf.WriteByte(',')
		}
		newline(buf, indent, depth+1)
		if err := write(e); err != nil {
			return err
		}
	}
	newline(buf, indent, depth)
	buf.WriteByte(end)
	return nil
}

func writeJSON(buf *bytes.Buffer, v any, indent string, depth int) error {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case json.Number:
		buf.WriteString(v.String())
	case string:
		writeString(buf, v)
	case object:
		return writeElems(buf, '{', '}', v, indent, depth, func(m member) error {
			writeString(buf, m.Key)
			buf.WriteByte(':')
			if indent != "" {
				buf.WriteByte(' ')
			}
			return writeJSON(buf, m.Value, indent, depth+1)
		})
	case []any:
		return writeElems(buf, '[', ']', v, indent, depth, func(e any) error {
			return writeJSON(buf, e, indent, depth+1)
		})
	default:
		var tmp bytes.Buffer
		enc := json.NewEncoder(&tmp)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		out := bytes.TrimRight(tmp.Bytes(), "\n")
		if indent != "" {
			var ind bytes.Buffer
			prefix := strings.Repeat(indent, depth)
			if err := json.Indent(&ind, out, prefix, indent); err == nil {
				out = ind.Bytes()
			}
		}
		buf.Write(out)
	}
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	buf.Write(bytes.TrimRight(tmp.Bytes(), "\n"))
}

// scalarText is a value as it would be typed into a URL or header: strings
// without quotes, everything else as JSON.
func scalarText(v any) string {
	v = normalize(v)
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = scalarText(e)
		}
		return strings.Join(parts, ",")
	}
	return jsonText(v)
}
