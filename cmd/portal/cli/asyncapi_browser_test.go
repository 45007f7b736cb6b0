package cli

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAsyncAPIBrowser checks the sample portal's AsyncAPI pages as a user
// meets them in Chromium: an operation page shows its message's payload,
// and search finds operations and messages.
func TestAsyncAPIBrowser(t *testing.T) {
	_, base := servePortal(t)
	docs := searchDocs(t, base)
	bctx := browser(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	opURL := findOp(t, docs, "streetlights", "SEND", "smartylighting/streetlights/1/0/action/{streetlightId}/turn/on")

	t.Run("operation page shows its message payload", func(t *testing.T) {
		ctx := tab(t, bctx)
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+opURL),
			chromedp.WaitVisible(css(`.frag-messages .schema`)),
		)
		if err != nil {
			t.Fatalf("open %s: %v", opURL, err)
		}
		badge, err := chromedp.Run(ctx, chromedp.Text(css(`h1 .method`)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(badge) != "SEND" {
			t.Errorf("method badge = %q, want SEND", badge)
		}
		messages, err := chromedp.Run(ctx, chromedp.Text(css(`.frag-messages`)))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Turn on/off", "Payload", "command", "sentAt", "Headers", "my-app-header"} {
			if !strings.Contains(messages, want) {
				t.Errorf("messages section lacks %q:\n%s", want, messages)
			}
		}
		bindings, err := chromedp.Run(ctx, chromedp.Text(css(`.frag-bindings table`)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(bindings, "qos") {
			t.Errorf("bindings table = %q, want the mqtt qos field", bindings)
		}
		tryit, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#tryit') !== null`))
		if err != nil || tryit {
			t.Errorf("AsyncAPI operation has a try-it console (err %v)", err)
		}
	})

	tests := map[string]struct {
		query, kind, url string
	}{
		"search finds the operation": {"Turn a streetlight on", "operation", opURL},
		"search finds a message":     {"Light measured", "message", "/apis/streetlights/messages/light-measured/"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := tab(t, bctx)
			if err := chromedp.Do(ctx, searchFor(base, tc.query)); err != nil {
				t.Fatalf("search %q: %v", tc.query, err)
			}
			hits, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#search-results [role=option]')]
				.map(a => a.dataset.kind + ' ' + a.getAttribute('href'))`))
			if err != nil {
				t.Fatal(err)
			}
			want := tc.kind + " " + tc.url
			found := false
			for _, h := range hits {
				found = found || h == want
			}
			if !found {
				t.Errorf("search %q = %v, want %q among the results", tc.query, hits, want)
			}
		})
	}
}
