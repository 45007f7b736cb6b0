// Site UI: theme toggle, API sidebar disclosure, catalog label filter,
// the private APIs of the catalog, a stale access cookie on the 404 page.
import { el, loggedIn } from "./dom.js";

(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "portal-theme";
  var MODES = ["system", "light", "dark"];

  function stored() {
    try { var t = localStorage.getItem(KEY); return t === "light" || t === "dark" ? t : "system"; } catch (e) { return "system"; }
  }

  // Theme: system → light → dark. "system" removes data-theme and the stored choice.
  function applyTheme(btn, mode) {
    if (mode === "system") root.removeAttribute("data-theme"); else root.setAttribute("data-theme", mode);
    try { if (mode === "system") localStorage.removeItem(KEY); else localStorage.setItem(KEY, mode); } catch (e) {}
    if (!btn) return;
    var next = MODES[(MODES.indexOf(mode) + 1) % MODES.length];
    var label = "Colour theme: " + mode + " (switch to " + next + ")";
    btn.setAttribute("aria-label", label);
    btn.title = label;
    btn.setAttribute("data-mode", mode);
  }

  function initTheme() {
    var btn = document.getElementById("theme-toggle");
    if (!btn) return;
    applyTheme(btn, stored());
    btn.addEventListener("click", function () {
      var mode = btn.getAttribute("data-mode") || "system";
      applyTheme(btn, MODES[(MODES.indexOf(mode) + 1) % MODES.length]);
    });
  }

  // API sidebar: collapsed on narrow screens (CSS), opened by its Menu button.
  function initSidebar() {
    var side = document.getElementById("sidebar");
    var btn = side && side.querySelector(".sidebar-toggle");
    if (!btn) return;
    btn.addEventListener("click", function () {
      var open = btn.getAttribute("aria-expanded") !== "true";
      btn.setAttribute("aria-expanded", String(open));
      side.classList.toggle("is-open", open);
    });
  }

  // Catalog: show the cards that carry any of the checked labels (all when none is checked).
  function initFilter() {
    var form = document.getElementById("catalog-filter");
    var list = form && document.getElementById(form.getAttribute("data-for"));
    if (!list) return;
    var count = document.getElementById("catalog-count");
    function update() {
      var cards = Array.prototype.slice.call(list.children);
      var want = Array.prototype.map.call(form.querySelectorAll("input:checked"), function (i) { return i.value; });
      var shown = 0;
      cards.forEach(function (card) {
        var labels = [];
        try { labels = JSON.parse(card.getAttribute("data-labels") || "[]") || []; } catch (e) {}
        var ok = !want.length || want.some(function (w) { return labels.indexOf(w) >= 0; });
        card.hidden = !ok;
        if (ok) shown++;
      });
      if (count) count.textContent = want.length ? "Showing " + shown + " of " + cards.length + " APIs" : "";
    }
    form.addEventListener("change", update);
    list.addEventListener("portal:cards", update);
    update();
  }

  // Catalog: the public APIs are in the page; a logged-in developer's
  // browser adds the private ones they may read, from /api/v3/apis.
  function initPrivateAPIs() {
    var list = document.getElementById("api-cards");
    if (!list || !list.hasAttribute("data-catalog") || !loggedIn()) return;
    var empty = document.getElementById("catalog-empty");
    fetch("/api/v3/apis", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (l) {
        if (!l) return;
        (l.data || []).forEach(function (a) {
          if (a.visibility !== "private" || list.querySelector('[data-slug="' + CSS.escape(a.slug) + '"]')) return;
          list.appendChild(card(a));
        });
        list.dispatchEvent(new Event("portal:cards"));
        if (empty) {
          empty.hidden = list.children.length > 0;
          empty.textContent = "No APIs are available to you yet.";
        }
      })
      .catch(function () {});
  }

  // card is api-card.html's markup for an API of /api/v3/apis.
  function card(a) {
    var labels = Object.keys(a.labels || {}).sort().map(function (k) { return k + ": " + a.labels[k]; });
    return el("li", { class: "card api-card", "data-labels": JSON.stringify(labels), "data-slug": a.slug },
      el("div", { class: "card-top" },
        el("span", { class: "pill pill-private", text: "Private" }),
        a.version && el("span", { class: "pill", text: "v" + String(a.version).replace(/^v/, "") })),
      el("h2", { class: "card-title" }, el("a", { href: "/apis/" + encodeURIComponent(a.slug) + "/", text: a.name || a.slug })),
      a.description && el("p", { class: "card-summary", text: a.description }),
      labels.length && el("ul", { class: "labels", "aria-label": "Labels" },
        ...labels.map(function (t) { return el("li", { class: "label", text: t }); })));
  }

  // A logged-in developer on the 404 page: their access cookie may predate
  // a role or an API they may read now. Refresh it and look again, once.
  function initNotFound() {
    if (!document.body.classList.contains("kind-404") || !loggedIn()) return;
    var key = "portal-404:" + location.pathname;
    try { if (sessionStorage.getItem(key)) return; sessionStorage.setItem(key, "1"); } catch (e) { return; }
    fetch("/api/v3/developer/refresh", { method: "POST", credentials: "same-origin" })
      .then(function (r) { if (r.status === 204) location.reload(); })
      .catch(function () {});
  }

  function init() { initTheme(); initSidebar(); initFilter(); initPrivateAPIs(); initNotFound(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
