package headers

import (
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

func TestInlineScripts(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		page string
		want []string
	}{
		"none":           {`<p>no scripts</p>`, nil},
		"classic":        {`<head><script>a&&b<"x"</script></head>`, []string{hash(`a&&b<"x"`)}},
		"module":         {`<script type="module">import "./x.js"</script>`, []string{hash(`import "./x.js"`)}},
		"from a file":    {`<script src="/x.js" defer></script>`, nil},
		"data block":     {`<script type="application/json" id="tryit-data">{"a":1}</script>`, nil},
		"two, in order":  {`<script>one()</script><p></p><SCRIPT type="text/javascript">two()</SCRIPT>`, []string{hash("one()"), hash("two()")}},
		"empty":          {`<script></script>`, nil},
		"not a script":   {`<scripts>x()</scripts>`, nil},
		"in a comment":   {`<!-- <script>x()</script> -->`, nil},
		"text mentioned": {`<p>&lt;script&gt;x()&lt;/script&gt;</p>`, nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(c.want, InlineScripts([]byte(c.page))); diff != "" {
				t.Errorf("InlineScripts(%q) (-want +got):\n%s", c.page, diff)
			}
		})
	}
}

func TestNoReferrer(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]bool{
		"/verify-email/": true, "/verify-email": true, "/reset-password/": true, "/reset-password": true,
		"/": false, "/login/": false, "/verify-emailx/": false, "/apis/verify-email/": false,
	} {
		if got := NoReferrer(path); got != want {
			t.Errorf("NoReferrer(%q) = %v, want %v", path, got, want)
		}
	}
}
