package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestReferenceLayoutBrowser checks the reference pages' layout in
// Chromium as a visitor sees it: two columns at desktop width with a
// sticky right column (code samples, response examples, try-it), one
// column at 360 px, no page that scrolls sideways at 360 px (the hostile
// sample's included), and a home hero that leaves most of the first
// screen to the content.
func TestReferenceLayoutBrowser(t *testing.T) {
	_, base := servePortal(t)
	docs := searchDocs(t, base)
	bctx := browser(t)
	opURL := findOp(t, docs, "httpbin", "POST", "/anything")
	asyncURL := findOp(t, docs, "streetlights", "SEND", "smartylighting/streetlights/1/0/action/{streetlightId}/turn/on")

	type box struct{ Left, Right, Top, Bottom float64 }
	type layout struct {
		Main, Aside          box
		TryitInAside         bool
		SamplesInAside       bool
		ExamplesInAside      bool
		ScrollY, InnerHeight float64
	}
	const measure = `(() => {
		const r = (s) => { const b = document.querySelector(s).getBoundingClientRect(); return {Left: b.left, Right: b.right, Top: b.top, Bottom: b.bottom}; };
		const inAside = (s) => !!document.querySelector(s)?.closest('.op-aside');
		return {Main: r('.op-main'), Aside: r('.op-aside'), TryitInAside: inAside('#tryit'), SamplesInAside: inAside('.frag-samples'),
			ExamplesInAside: inAside('.frag-examples'), ScrollY: scrollY, InnerHeight: innerHeight};
	})()`

	t.Run("desktop: two columns, the right one sticky", func(t *testing.T) {
		ctx := tab(t, bctx)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+opURL), chromedp.WaitVisible(chromedp.CSS(`#tryit form`))); err != nil {
			t.Fatalf("open %s: %v", opURL, err)
		}
		l, err := chromedp.Run(ctx, chromedp.Evaluate[layout](measure))
		if err != nil {
			t.Fatal(err)
		}
		if !(l.Aside.Left >= l.Main.Right && l.Aside.Top < l.Main.Bottom) {
			t.Errorf("at 1280 px the right column %+v is not beside the main one %+v", l.Aside, l.Main)
		}
		if !l.TryitInAside || !l.SamplesInAside || !l.ExamplesInAside {
			t.Errorf("right column holds try-it %v, samples %v, response examples %v; want all three", l.TryitInAside, l.SamplesInAside, l.ExamplesInAside)
		}
		// Under portal serve the samples call the local gateway with the portal key.
		curl, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#sample-curl code`)))
		if err != nil {
			t.Fatal(err)
		}
		if want := "curl -X POST '" + base + "/gateway/httpbin/anything'"; !strings.Contains(curl, want) || !strings.Contains(curl, `-H "apikey: $PORTAL_API_KEY"`) {
			t.Errorf("curl sample = %q, want %s with the apikey header from $PORTAL_API_KEY", curl, want)
		}
		top := l.Aside.Top
		l, err = chromedp.Run(ctx, chromedp.Evaluate[layout](`(async () => {
			window.scrollTo(0, 450);
			await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
			return `+measure+`;
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if l.ScrollY < 450 || l.Main.Top > top-400 {
			t.Fatalf("the page did not scroll (scrollY %v, main top %v): too short to test stickiness", l.ScrollY, l.Main.Top)
		}
		// Not sticky, its top would now be at top-450, above the window.
		if l.Aside.Top < 0 || l.Aside.Top > 200 || l.Aside.Bottom > l.InnerHeight+1 {
			t.Errorf("scrolled %v px, the right column spans %v..%v (it started at %v), want its top in view near the header and its bottom within the window (%v)", l.ScrollY, l.Aside.Top, l.Aside.Bottom, top, l.InnerHeight)
		}
	})

	t.Run("360 px: one column", func(t *testing.T) {
		ctx := tab(t, bctx)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 640, chromedp.EmulateMobile), chromedp.Navigate(base+opURL), chromedp.WaitVisible(chromedp.CSS(`#tryit form`))); err != nil {
			t.Fatalf("open %s: %v", opURL, err)
		}
		l, err := chromedp.Run(ctx, chromedp.Evaluate[layout](measure))
		if err != nil {
			t.Fatal(err)
		}
		if l.Aside.Top < l.Main.Bottom-1 || l.Aside.Left != l.Main.Left {
			t.Errorf("at 360 px the samples column %+v is not below the main one %+v", l.Aside, l.Main)
		}
	})

	t.Run("360 px: nothing scrolls sideways", func(t *testing.T) {
		pages := []string{"/", "/apis/", "/apis/httpbin/", opURL, "/apis/streetlights/", asyncURL, "/apis/accounts/",
			"/apis/hostile/", "/apis/hostile/reference/", "/apis/hostile/schemas/"}
		for _, d := range docs {
			if strings.HasPrefix(d.URL, "/apis/hostile/") && !strings.Contains(d.URL, "#") {
				pages = append(pages, d.URL)
			}
		}
		ctx := tab(t, bctx)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 640, chromedp.EmulateMobile)); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			if err := chromedp.Do(ctx, chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS(`footer`))); err != nil {
				t.Fatalf("open %s: %v", p, err)
			}
			// A mobile browser widens the layout viewport to fit what
			// overflows: innerWidth must stay 360 as well.
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.scrollWidth + ' ' + innerWidth`))
			if err != nil {
				t.Fatal(err)
			}
			var sw, iw int
			fmt.Sscan(got, &sw, &iw)
			if iw != 360 || sw > iw {
				t.Errorf("%s at 360 px: scrollWidth %d, innerWidth %d; want both 360 (nothing wider than the screen)", p, sw, iw)
			}
		}
		if len(pages) < 13 {
			t.Errorf("checked %d pages; the hostile sample's pages are missing from search", len(pages))
		}
	})

	t.Run("the home hero leaves most of the first screen", func(t *testing.T) {
		ctx := tab(t, bctx)
		for _, size := range [][2]int64{{360, 640}, {1280, 800}} {
			opts := []chromedp.EmulateViewportOption{}
			if size[0] < 600 {
				opts = append(opts, chromedp.EmulateMobile)
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1], opts...), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`.hero`))); err != nil {
				t.Fatal(err)
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('.hero').getBoundingClientRect().height / innerHeight`))
			if err != nil {
				t.Fatal(err)
			}
			if got >= 0.5 {
				t.Errorf("at %dx%d the hero is %.0f%% of the window's height, want under half", size[0], size[1], got*100)
			}
		}
	})
}
