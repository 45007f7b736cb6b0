// Site UI: theme toggle, API sidebar disclosure, catalog label filter.
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
    var cards = Array.prototype.slice.call(list.children);
    function update() {
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
    update();
  }

  function init() { initTheme(); initSidebar(); initFilter(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
