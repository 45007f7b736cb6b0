// Try-it island for operation pages. Reads the request description from
// <script id="tryit-data" type="application/json">, builds a form inside
// <section id="tryit">, sends the request with fetch and shows the response.
// Also turns [data-tabs] code samples into tabs. All DOM is built with
// createElement/textContent: data from the spec never becomes markup.
import { el, loggedIn } from './dom.js';
import { call, rememberedKeys, createKey, appURL, meaning } from './devapi.js';

(() => {
  'use strict';

  // Tabs: without JS every panel shows; with it, one at a time.
  const tabs = (root) => {
    const list = root.querySelector('[role=tablist]');
    if (!list) return;
    const btns = [...list.querySelectorAll('[role=tab]')];
    const select = (b, focus) => {
      for (const x of btns) {
        const on = x === b;
        x.setAttribute('aria-selected', String(on));
        x.tabIndex = on ? 0 : -1;
        const p = document.getElementById(x.getAttribute('aria-controls'));
        if (p) p.hidden = !on;
      }
      if (focus) b.focus();
    };
    root.classList.add('tabs-js');
    select(btns.find((b) => b.getAttribute('aria-selected') === 'true') || btns[0]);
    list.addEventListener('click', (e) => {
      const b = e.target.closest('[role=tab]');
      if (b) select(b);
    });
    list.addEventListener('keydown', (e) => {
      const i = btns.indexOf(document.activeElement);
      const j = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: btns.length - 1 }[e.key];
      if (i < 0 || j === undefined) return;
      e.preventDefault();
      select(btns[(j + btns.length) % btns.length], true);
    });
  };
  document.querySelectorAll('[data-tabs]').forEach(tabs);

  const dataEl = document.getElementById('tryit-data');
  const box = document.getElementById('tryit');
  if (!dataEl || !box) return;
  let d;
  try {
    d = JSON.parse(dataEl.textContent);
  } catch (_) {
    return;
  }

  let uid = 0;
  const field = (label, input, hint, required) => {
    const id = 'tryit-f' + ++uid;
    input.id = id;
    const l = el('label', { for: id, text: label });
    if (required) {
      input.required = true;
      l.append(el('span', { class: 'req', text: ' (required)' }));
    }
    const wrap = el('div', { class: 'tryit-field' }, l, input);
    if (hint) {
      input.setAttribute('aria-describedby', id + '-h');
      wrap.append(el('small', { id: id + '-h', text: hint }));
    }
    return wrap;
  };
  const store = {
    get: (k) => { try { return sessionStorage.getItem('portal-tryit:' + k) || ''; } catch (_) { return ''; } },
    set: (k, v) => { try { sessionStorage.setItem('portal-tryit:' + k, v); } catch (_) { /* private mode */ } },
  };
  const remembered = (key, type) => {
    const i = el('input', { type, autocomplete: 'off', spellcheck: 'false' });
    i.value = store.get(key);
    i.addEventListener('input', () => store.set(key, i.value));
    return i;
  };

  const form = el('form', { class: 'tryit-form', novalidate: true });

  // Server picker with a custom URL option.
  const servers = d.servers || [];
  const sel = el('select');
  servers.forEach((s, i) => {
    const label = s.url + (s.local ? ' (local)' : '') + (s.description ? ' — ' + s.description : '');
    sel.append(el('option', { value: String(i), text: label }));
  });
  sel.append(el('option', { value: 'custom', text: 'Custom URL…' }));
  const custom = el('input', { type: 'url', placeholder: 'https://api.example.com', spellcheck: 'false' });
  const customWrap = field('Custom server URL', custom);
  const syncCustom = () => { customWrap.hidden = sel.value !== 'custom'; };
  sel.addEventListener('change', syncCustom);
  form.append(field('Server', sel), customWrap);
  syncCustom();

  // Parameters.
  const params = (d.params || []).map((p) => {
    let input;
    if (p.enum && p.enum.length) {
      input = el('select');
      if (!p.required) input.append(el('option', { value: '', text: '(none)' }));
      for (const v of p.enum) input.append(el('option', { value: v, text: v }));
      input.value = p.example || (p.required ? p.enum[0] : '');
    } else {
      input = el('input', { type: 'text', spellcheck: 'false' });
      if (p.example) input.value = p.example;
    }
    form.append(field(p.name + ' (' + p.in + ')', input, p.description, p.required));
    return { p, input };
  });

  // Credentials.
  const sec = d.security || {};
  const keys = (sec.api_keys || []).map((k) => {
    const input = remembered('key:' + k.key, 'password');
    form.append(field('API key ' + k.name + ' (' + k.in + ')', input, 'Kept in this tab only (sessionStorage).'));
    return { k, input };
  });
  // A logged-in developer picks a key of their applications registered
  // to this API: keys created in this tab first (keys are shown once, so
  // older ones cannot be offered), or a new one.
  const slug = (location.pathname.match(/\/apis\/([^/]+)\//) || [])[1];
  if (keys.length && slug && loggedIn()) {
    const mine = el('button', { type: 'button', class: 'button tryit-mine', 'aria-expanded': 'false', 'aria-controls': 'tryit-mine', text: 'Use a key from my apps' });
    const area = el('div', { id: 'tryit-mine', class: 'tryit-mine-area', hidden: true });
    const put = (key) => {
      for (const { input } of keys) { input.value = key; input.dispatchEvent(new Event('input')); }
    };
    const load = async () => {
      area.replaceChildren(el('p', { class: 'muted', text: 'Looking for your applications…' }));
      const [a, l] = await Promise.all([call('GET', '/apis/' + encodeURIComponent(slug)), call('GET', '/applications?page[size]=100')]);
      if (a.status !== 200 || l.status !== 200) {
        area.replaceChildren(el('p', { class: 'muted', text: a.status === 401 || l.status === 401 ? 'Log in again to use your keys.' : 'Your applications could not be read (' + (a.status === 200 ? l.status : a.status) + ').' }));
        return;
      }
      const apps = [];
      await Promise.all((l.data.data || []).map(async (app) => {
        const r = await call('GET', '/applications/' + encodeURIComponent(app.id) + '/registrations');
        const reg = ((r.data && r.data.data) || []).find((g) => g.api_id === a.data.id);
        if (reg) apps.push({ app, reg });
      }));
      if (!apps.length) {
        area.replaceChildren(el('p', { class: 'muted' }, 'None of your applications is registered to this API. Use “Use this API” on ',
          el('a', { href: location.pathname.replace(/(\/apis\/[^/]+\/).*/, '$1'), text: 'its overview' }), ' to register one.'));
        return;
      }
      const known = rememberedKeys();
      const sel = el('select', { id: 'tryit-mine-pick' });
      const choices = [];
      for (const { app, reg } of apps) {
        const state = reg.status === 'approved' ? '' : ' (' + reg.status + ')';
        for (const k of known.filter((x) => x.app === app.id)) choices.push({ app, reg, key: k.key, text: app.name + ' — ' + k.hint + ', created in this tab' + state });
      }
      for (const { app, reg } of apps) choices.push({ app, reg, text: app.name + ' — a new key' + (reg.status === 'approved' ? '' : ' (' + reg.status + ')') });
      choices.forEach((c, i) => sel.append(el('option', { value: String(i), text: c.text })));
      const use = el('button', { type: 'button', class: 'button', text: 'Use this key' });
      const note = el('p', { class: 'muted', role: 'status' });
      const explain = () => {
        const c = choices[+sel.value];
        use.textContent = c.key ? 'Use this key' : 'Create a key and use it';
        note.textContent = (c.key ? '' : 'Keys are shown once, so this tab cannot show the keys ' + c.app.name + ' already has: paste one above, or create a new one. ') +
          (c.reg.status === 'approved' ? '' : 'Its registration is ' + c.reg.status + ' — ' + meaning[c.reg.status] + '.');
      };
      sel.addEventListener('change', explain);
      use.addEventListener('click', async () => {
        const c = choices[+sel.value];
        if (!c.key) {
          use.disabled = true;
          const res = await createKey(c.app, 'Try it').catch(() => ({ status: 0, data: null }));
          use.disabled = false;
          if (res.status !== 201) { note.textContent = (res.data && res.data.detail) || 'The key could not be created.'; return; }
          c.key = res.data.credential;
          note.textContent = 'A new key of ' + c.app.name + ' (' + res.data.key_hint + ') is in the key field; this tab remembers it. It is listed, and can be revoked, on ';
          note.append(el('a', { href: appURL(c.app.id), text: 'the application\'s page' }), '.');
        } else {
          note.textContent = 'The key of ' + c.app.name + ' is in the key field.';
        }
        put(c.key);
      });
      area.replaceChildren(el('div', { class: 'tryit-field' }, el('label', { for: 'tryit-mine-pick', text: 'Key from my apps' }), sel), use, note);
      explain();
    };
    mine.addEventListener('click', () => {
      const open = mine.getAttribute('aria-expanded') !== 'true';
      mine.setAttribute('aria-expanded', String(open));
      area.hidden = !open;
      if (open && !area.childElementCount) load().catch(() => area.replaceChildren(el('p', { class: 'muted', text: 'The portal could not be reached.' })));
    });
    keys[0].input.closest('.tryit-field').before(el('div', { class: 'tryit-mine' }, mine, area));
  }

  let bearer, user, pass;
  if (sec.bearer) {
    bearer = remembered('bearer', 'password');
    form.append(field('Bearer token', bearer, 'Sent as Authorization: Bearer …'));
  }
  if (sec.basic) {
    user = el('input', { type: 'text', autocomplete: 'off' });
    pass = el('input', { type: 'password', autocomplete: 'off' });
    form.append(field('Username', user), field('Password', pass));
  }

  // Body.
  let body;
  if (d.body) {
    body = el('textarea', { rows: '10', spellcheck: 'false', class: 'tryit-body' });
    body.value = d.body.example || '';
    form.append(field('Request body (' + d.body.media_type + ')', body, null, d.body.required));
  }

  const send = el('button', { type: 'submit', class: 'tryit-send', text: 'Send ' + d.method });
  form.append(send);

  // Response.
  const status = el('p', { id: 'tryit-status', class: 'tryit-status', role: 'status', 'aria-live': 'polite' });
  const time = el('span', { class: 'tryit-time' });
  const hdrs = el('pre', { class: 'tryit-headers' });
  const out = el('pre', { id: 'tryit-response-body', class: 'tryit-response-body', tabindex: '0' });
  const why = el('p', { id: 'tryit-why', class: 'tryit-why', hidden: true });
  const result = el('div', { class: 'tryit-result', hidden: true },
    el('p', null, status, time), why,
    el('details', null, el('summary', { text: 'Response headers' }), hdrs),
    out);
  box.append(form, result);

  const b64 = (s) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
  const show = (text, cls, ms) => {
    result.hidden = false;
    status.textContent = text;
    status.className = 'tryit-status ' + cls;
    time.textContent = ms === undefined ? '' : ' · ' + ms + ' ms';
  };

  // What a refusal of the portal's gateway (X-Portal-Reason) means.
  const reasons = {
    no_key: 'No API key was sent. Paste a key above' + (loggedIn() ? ', or use a key from your apps.' : '.'),
    invalid_key: 'The key is not valid: mistyped, revoked, or expired (a rotated key works only for its grace period).',
    not_registered: 'The key\'s application is not registered to this API. Register it with “Use this API” on the API\'s overview.',
    registration_pending: 'The key\'s application is registered to this API, but the registration is pending — waiting for an administrator. The key works once it is approved.',
    registration_rejected: 'An administrator rejected this application\'s registration to this API, so its keys do not work here.',
    registration_revoked: 'An administrator revoked this application\'s registration to this API, so its keys no longer work here.',
    developer_not_approved: 'The key belongs to an account that is not approved (pending, rejected or revoked).',
    no_consumer_role: 'Calling this API needs the API Consumer role on it. Ask an administrator to add you to a team that has it.',
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const base = sel.value === 'custom' ? custom.value.trim() : (servers[+sel.value] || {}).url || '';
    let path = d.path;
    const q = new URLSearchParams();
    const h = new Headers();
    const cookies = [];
    const missing = [];
    const put = (where, name, v) => {
      if (where === 'path') path = path.split('{' + name + '}').join(encodeURIComponent(v));
      else if (where === 'query') q.append(name, v);
      else if (where === 'header') h.set(name, v);
      else if (where === 'cookie') cookies.push(name + '=' + encodeURIComponent(v));
    };
    for (const { p, input } of params) {
      if (input.value === '') {
        if (p.required) missing.push(p.name);
        continue;
      }
      put(p.in, p.name, input.value);
    }
    if (missing.length) {
      show('Missing required: ' + missing.join(', '), 'status-error');
      return;
    }
    for (const { k, input } of keys) if (input.value) put(k.in, k.name, input.value);
    if (bearer && bearer.value) h.set('Authorization', 'Bearer ' + bearer.value);
    if (user && (user.value || pass.value)) h.set('Authorization', 'Basic ' + b64(user.value + ':' + pass.value));
    if (cookies.length) h.set('Cookie', cookies.join('; ')); // browsers may drop it
    const init = { method: d.method, headers: h };
    if (body && body.value.trim() && !['GET', 'HEAD'].includes(d.method)) {
      h.set('Content-Type', d.body.media_type);
      init.body = body.value;
    }
    let url;
    try {
      url = new URL(base.replace(/\/+$/, '') + path + (String(q) ? '?' + q : ''), location.href);
    } catch (_) {
      show('Invalid server URL', 'status-error');
      return;
    }
    send.disabled = true;
    show('Sending…', 'status-pending');
    hdrs.textContent = out.textContent = '';
    why.hidden = true;
    const t0 = performance.now();
    try {
      const res = await fetch(url, init);
      const text = await res.text();
      const ms = Math.round(performance.now() - t0);
      show(res.status + ' ' + res.statusText, 'status-' + String(res.status)[0] + 'xx', ms);
      // The portal's gateway says why it refused a key.
      const reason = res.headers.get('X-Portal-Reason');
      why.textContent = (res.status === 401 || res.status === 403) && reasons[reason] || '';
      why.hidden = !why.textContent;
      hdrs.textContent = [...res.headers].map(([k, v]) => k + ': ' + v).join('\n');
      let pretty = text;
      if (/json/i.test(res.headers.get('content-type') || '')) {
        try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* not JSON after all */ }
      }
      out.textContent = pretty;
    } catch (err) {
      show('Request failed: ' + (err && err.message ? err.message : String(err)), 'status-error', Math.round(performance.now() - t0));
      out.textContent = 'The browser could not complete the request. If the server is up, it must allow cross-origin requests (CORS) from this site: ' +
        location.origin + ' with the method and headers used here.';
    } finally {
      send.disabled = false;
    }
  });
})();
