// Header search: a combobox over a MiniSearch index of /search-index.json
// (and the private index files a logged-in developer may read), fetched on
// first use. Documents are SearchDoc objects:
// {id, k: kind, t: title, u: url, a: API title, m: method, p: path, o: operationId, g: tag, s: summary}.
import { el, loggedIn } from "./dom.js";

(function () {
  "use strict";
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  if (!input || !list || typeof MiniSearch === "undefined") return;
  var box = input.closest(".search") || input.parentNode;
  var panel = document.getElementById("search-panel") || list;
  var empty = document.getElementById("search-empty");
  var status = document.getElementById("search-status");
  var MAX = 10;
  var KINDS = { api: "API", operation: "Operation", webhook: "Webhook", schema: "Schema", channel: "Channel", message: "Message", page: "Page" };
  var ms = null, docs = {}, loading = null, failed = false;
  var results = [], active = -1, timer = 0;

  // Words, camelCase parts ("listPets" → listpets, list, pets) and, for any
  // chunk with a slash, the whole chunk, so "/pets/{id}" or "get /status"
  // match paths as a whole and word by word. Used for documents and queries.
  function tokenize(text) {
    var out = [];
    String(text || "").split(/\s+/).forEach(function (chunk) {
      if (!chunk) return;
      if (chunk.indexOf("/") >= 0) out.push(chunk.replace(/[.,;:!?"')]+$/, ""));
      chunk.split(/[^\p{L}\p{N}]+/u).forEach(function (w) {
        if (!w) return;
        out.push(w);
        var parts = w.replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, "$1 $2").replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, "$1 $2").split(" ");
        if (parts.length > 1) out.push.apply(out, parts);
      });
    });
    return out;
  }

  // Typo tolerance (20% of the term) only for terms of 4+ characters: "pet" must not find "get".
  function fuzzy(term) { return term.length > 3 ? 0.2 : false; }

  // The index files this visitor may read: the public one and, for a
  // logged-in developer, the private pages' and each private API's they
  // may read (the gate in front of the site refuses the others anyway).
  function sources() {
    var urls = [input.getAttribute("data-index") || "/search-index.json"];
    if (!loggedIn()) return Promise.resolve(urls);
    return fetch("/api/v3/apis", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (l) {
        if (!l) return urls;
        urls.push("/_portal/private/search-index.json");
        (l.data || []).forEach(function (a) {
          if (a.visibility === "private") urls.push("/apis/" + encodeURIComponent(a.slug) + "/search-index.json");
        });
        return urls;
      })
      .catch(function () { return urls; });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (d) { return Array.isArray(d) ? d : []; });
  }

  function load() {
    if (loading) return loading;
    loading = sources()
      .then(function (urls) {
        return Promise.all(urls.map(function (u, i) {
          // Only the public index failing is a failure; a private one the
          // visitor may not read is simply left out.
          return i === 0 ? getJSON(u) : getJSON(u).catch(function () { return []; });
        }));
      })
      .then(function (parts) {
        ms = new MiniSearch({
          idField: "id",
          fields: ["t", "p", "o", "g", "s", "m"],
          tokenize: tokenize,
          searchOptions: { boost: { t: 3, p: 3, o: 2, g: 1.5, m: 1, s: 1 }, prefix: true, fuzzy: fuzzy }
        });
        var all = [].concat.apply([], parts);
        ms.addAll(all);
        all.forEach(function (d) { docs[d.id] = d; });
        if (input.value.trim()) run();
      })
      .catch(function () { failed = true; if (input.value.trim()) run(); });
    return loading;
  }

  function find(q) {
    var r = ms.search(q, { combineWith: "AND" });
    if (!r.length) r = ms.search(q);
    return r.slice(0, MAX).map(function (h) { return docs[h.id]; }).filter(Boolean);
  }

  function option(d, i) {
    var li = el("li");
    li.setAttribute("role", "none");
    var a = el("a");
    a.href = d.u;
    a.id = "search-opt-" + i;
    a.tabIndex = -1;
    a.setAttribute("role", "option");
    a.setAttribute("aria-selected", "false");
    a.setAttribute("data-kind", d.k || "");
    var kind = KINDS[d.k] || d.k || "";
    var badge = d.m
      ? el("span", { class: "method method-" + String(d.m).toLowerCase() + " sr-badge", text: String(d.m).toUpperCase() })
      : el("span", { class: "badge sr-badge", text: kind });
    var title = el("span", { class: "sr-title" });
    if (d.p && (d.k === "operation" || d.k === "webhook" || d.k === "channel")) title.appendChild(el("code", { text: d.p }));
    else title.textContent = d.t || d.u;
    var meta = [];
    if (d.p && (d.k === "operation" || d.k === "webhook") && d.t && d.t !== d.p) meta.push(d.t);
    if (d.a && d.k !== "api") meta.push(d.a);
    meta.push(d.m ? kind : (d.s || kind));
    a.appendChild(badge);
    a.appendChild(title);
    a.appendChild(el("span", { class: "sr-meta", text: meta.join(" · ") }));
    li.appendChild(a);
    return li;
  }

  function open(show) {
    panel.hidden = !show;
    input.setAttribute("aria-expanded", String(show && results.length > 0));
    if (!show) setActive(-1);
  }

  function setActive(i) {
    var opts = list.querySelectorAll("[role=option]");
    if (active >= 0 && opts[active]) opts[active].setAttribute("aria-selected", "false");
    active = i;
    if (i >= 0 && opts[i]) {
      opts[i].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", opts[i].id);
      opts[i].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function message(text) {
    if (!empty) return;
    empty.textContent = text || "";
    empty.hidden = !text;
  }

  function run() {
    var q = input.value.trim();
    list.textContent = "";
    results = [];
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (!q) { message(""); open(false); if (status) status.textContent = ""; return; }
    if (!ms) {
      message(failed ? "Search is unavailable right now." : "Loading the search index…");
      open(true);
      return;
    }
    results = find(q);
    results.forEach(function (d, i) { list.appendChild(option(d, i)); });
    message(results.length ? "" : "No results for “" + q + "”.");
    open(true);
    if (status) status.textContent = results.length ? results.length + (results.length === 1 ? " result" : " results") : "No results";
  }

  function go(i) {
    var d = results[i];
    if (d) window.location.href = d.u;
  }

  input.addEventListener("focus", function () {
    load();
    if (input.value.trim() && (results.length || empty && !empty.hidden)) open(true);
  });
  input.addEventListener("input", function () {
    load();
    clearTimeout(timer);
    timer = setTimeout(run, 60);
  });
  input.addEventListener("keydown", function (e) {
    load();
    var n = results.length;
    switch (e.key) {
      case "ArrowDown":
      case "ArrowUp":
        if (!n) return;
        e.preventDefault();
        if (panel.hidden) open(true);
        if (e.key === "ArrowDown") setActive(active + 1 >= n ? 0 : active + 1);
        else setActive(active <= 0 ? n - 1 : active - 1);
        break;
      case "Enter":
        clearTimeout(timer);
        if (input.value.trim() && ms && !results.length) run();
        if (n || results.length) { e.preventDefault(); go(active >= 0 ? active : 0); }
        break;
      case "Escape":
        if (!panel.hidden) { e.preventDefault(); open(false); }
        else if (input.value) { e.preventDefault(); input.value = ""; run(); }
        else input.blur();
        break;
    }
  });
  // Keep focus in the input when an option is pressed; the link navigates.
  list.addEventListener("mousedown", function (e) { e.preventDefault(); });
  box.addEventListener("focusout", function (e) {
    if (!box.contains(e.relatedTarget)) open(false);
  });
  document.addEventListener("click", function (e) {
    if (!box.contains(e.target)) open(false);
  });

  // "/" focuses the search box unless the user is typing somewhere.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    e.preventDefault();
    input.focus();
    input.select();
  });
})();
