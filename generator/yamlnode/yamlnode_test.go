package yamlnode_test

import (
	"testing"

	"github.com/pb33f/go-yaml"

	"github.com/portal-dev/portal/generator/yamlnode"
)

const doc = `
a: &anchor
  b/c: {d: 1}
  "e~f": [x, {g: 2}]
  "h%i": 3
alias: *anchor
ref: {$ref: '#/a'}
`

func TestPointers(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatal(err)
	}
	for pointer, want := range map[string]string{
		"/a/b~1c/d":     "1",
		"/a/e~0f/1/g":   "2",
		"/alias/e~0f/0": "x",
		"/a/h%25i":      "3",
		"/a/e~0f/9":     "",
		"/nope":         "",
		"/a/b~1c/d/x":   "",
	} {
		n := yamlnode.WalkPointer(&root, pointer)
		got := ""
		if n != nil {
			got = n.Value
		}
		if got != want {
			t.Errorf("WalkPointer(%s) = %q, want %q", pointer, got, want)
		}
	}
	if r := yamlnode.Ref(yamlnode.MapValue(&root, "ref")); r == nil || r.Value != "#/a" {
		t.Errorf("Ref(ref) = %v, want #/a", r)
	}
	// Locate gives the key of a mapping member (for its line), the item of
	// a sequence, and the deepest node found when the rest is missing.
	if n := yamlnode.Locate(&root, "/a/e~0f"); n == nil || n.Value != "e~f" || n.Line != 4 {
		t.Errorf("Locate(/a/e~0f) = %+v, want the key on line 4", n)
	}
	if n := yamlnode.Locate(&root, "/a/e~0f/1/zzz"); n == nil || n.Line != 4 {
		t.Errorf("Locate(missing below an item) = %+v, want the item on line 4", n)
	}
	for s, want := range map[string]string{"a/b": "a~1b", "a~b": "a~0b", "~/": "~0~1"} {
		if got := yamlnode.EscapePointer(s); got != want || yamlnode.UnescapePointer(got) != s {
			t.Errorf("EscapePointer(%q) = %q (back: %q), want %q", s, got, yamlnode.UnescapePointer(got), want)
		}
	}
}
