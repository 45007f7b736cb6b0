// The admin console (/admin/…): one island per page over the management
// API (/v3, same origin, the admin session cookie). Everything is built
// with createElement/textContent (dom.js el): no server text is ever
// parsed as HTML. A status change carries the state it was decided on:
// the object is read again, compared with what the page showed, and sent
// back with its ETag as If-Match; a 409 shows the current state and
// offers to reload.
import { el, request } from './dom.js';

(() => {
  'use strict';
  const root = document.getElementById('admin');
  if (!root) return;
  const page = root.dataset.page;
  const signedOut = 'signedOut' in root.dataset; // login, accept, forgot and reset
  const api = root.dataset.api || '/v3';
  const params = new URLSearchParams(location.search);
  let portal = ''; // /portals/<id>

  const call = async (method, path, body, headers) => {
    let res;
    try {
      res = await request(api + path, method, body, headers);
    } catch {
      return { status: 0, data: { detail: 'The portal did not answer; check your connection and try again.' } };
    }
    if (res.status === 401 && !signedOut) toLogin();
    return res;
  };
  const problem = (r) => {
    const d = r.data || {};
    const fields = (d.invalid_parameters || []).map((p) => p.field + ': ' + p.reason);
    return [d.detail || d.title || 'Error ' + r.status].concat(fields).join(' — ');
  };
  const toLogin = () => location.assign('/admin/login/?next=' + encodeURIComponent(location.pathname + location.search));
  const next = (() => {
    const n = params.get('next') || '';
    return /^\/admin\/[\w\-/?=&%.]*$/.test(n) && !n.startsWith('//') ? n : '/admin/';
  })();

  const status = el('div', { class: 'admin-status', role: 'status', 'aria-live': 'polite' });
  const say = (text, kind, ...extra) => {
    status.className = 'admin-status' + (kind ? ' is-' + kind : '');
    status.replaceChildren(text, ...extra);
  };
  const body = el('div');
  const button = (text, attrs, onClick) => {
    const b = el('button', Object.assign({ type: 'button', class: 'button button-small', text }, attrs || {}));
    if (onClick) b.addEventListener('click', onClick);
    return b;
  };
  // conflict shows why a change did not apply and offers to reload.
  const conflict = (text) => say(text + ' ', 'error', button('Reload', {}, () => { say(''); render(); }));
  const pill = (s) => el('span', { class: 'pill pill-' + s, text: s });
  const when = (t) => (t ? new Date(t).toLocaleString() : '');
  const field = (label, input) => el('label', {}, label, input);

  const table = (cols, rows, empty) => {
    if (!rows.length) return el('p', { class: 'admin-empty', text: empty });
    const thead = el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', { scope: 'col', text: c }))));
    const tbody = el('tbody', {}, ...rows.map((r) => r instanceof Node ? r : el('tr', {}, ...r.map((c, i) => el('td', { 'data-label': cols[i] }, c)))));
    return el('div', { class: 'admin-table-wrap' }, el('table', { class: 'admin-table' }, thead, tbody));
  };
  const who = (d) => el('span', {}, d.email, el('span', { class: 'sub', text: d.full_name || '' }));

  // pager shows where a list is and moves through it (page[number]).
  const pager = (meta, go) => {
    const { number, size, total } = meta.page;
    const last = Math.max(1, Math.ceil(total / size));
    return el('div', { class: 'admin-pager' },
      el('span', { text: `Page ${number} of ${last} · ${total} in all` }),
      number > 1 ? button('Previous page', {}, () => go(number - 1)) : null,
      number < last ? button('Next page', {}, () => go(number + 1)) : null);
  };
  // state keeps a list's filters and page in the URL, so reload keeps them.
  const state = (defaults) => {
    const s = Object.assign({}, defaults);
    for (const k of Object.keys(s)) if (params.has(k)) s[k] = params.get(k);
    s.save = () => {
      const q = new URLSearchParams();
      for (const k of Object.keys(defaults)) if (s[k] && s[k] !== defaults[k]) q.set(k, s[k]);
      history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q : ''));
    };
    return s;
  };

  // ask confirms a destructive action in a modal dialog; Cancel has focus.
  const ask = (question, yes) => new Promise((done) => {
    const no = button('Cancel', { class: 'button' });
    const ok = button(yes, { class: 'button button-primary' });
    const d = el('dialog', { class: 'admin-dialog', 'aria-labelledby': 'admin-ask' },
      el('p', { id: 'admin-ask', text: question }), el('div', { class: 'row-actions' }, no, ok));
    const close = (v) => { d.close(); d.remove(); done(v); };
    no.addEventListener('click', () => close(false));
    ok.addEventListener('click', () => close(true));
    d.addEventListener('cancel', (e) => { e.preventDefault(); close(false); });
    document.body.append(d);
    d.showModal();
    no.focus();
  });

  // decide changes an object's status on the state the page showed.
  const decide = async (path, shown, to, what) => {
    const cur = await call('GET', path);
    if (cur.status !== 200) { say(problem(cur), 'error'); return false; }
    if (cur.data.status !== shown.status || cur.data.updated_at !== shown.updated_at) {
      conflict(`${what} changed since this page was loaded: it is now ${cur.data.status}.`);
      return false;
    }
    const r = await call('PATCH', path, { status: to }, { 'If-Match': cur.etag });
    if (r.status === 409) {
      const now = r.data && r.data.current ? r.data.current.status : 'changed';
      conflict(`${what} was decided by someone else first: it is now ${now}.`);
      return false;
    }
    if (r.status !== 200) { say(problem(r), 'error'); return false; }
    say(`${what} is now ${to}.`, 'ok');
    return true;
  };
  const decisions = { approved: 'Approve', rejected: 'Reject', revoked: 'Revoke' };
  const destructive = { rejected: true, revoked: true };
  // actions are the decision buttons for an object at status st.
  const actions = (st, allowed, name, onDecide) => Object.entries(allowed)
    .filter(([, from]) => from.includes(st))
    .map(([to]) => button(decisions[to], { 'aria-label': `${decisions[to]} ${name}`, class: 'button button-small' + (destructive[to] ? ' button-danger' : '') }, async () => {
      if (destructive[to] && !(await ask(`${decisions[to]} ${name}?`, decisions[to]))) return;
      onDecide(to);
    }));

  let render = () => {};

  // Pages.

  const login = () => {
    const email = el('input', { id: 'admin-email', name: 'username', type: 'email', autocomplete: 'username', required: true });
    const pw = el('input', { id: 'admin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const f = el('form', { class: 'admin-form' },
      field('Email', email), field('Password', pw), el('button', { type: 'submit', class: 'button button-primary', text: 'Log in' }),
      el('a', { href: '/admin/forgot-password/', text: 'Forgot your password?' }));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      say('Logging in…');
      const r = await call('POST', '/admin/authenticate', { username: email.value, password: pw.value });
      if (r.status === 200) { location.assign(next); return; }
      say(problem(r), 'error');
      pw.focus();
    });
    body.replaceChildren(f);
    call('GET', '/admin/me').then((r) => { if (r.status === 200) location.assign(next); });
    email.focus();
  };

  const overview = async () => {
    const [d, g] = await Promise.all([
      call('GET', portal + '/developers?filter[status][eq]=pending&page[size]=1'),
      call('GET', portal + '/application-registrations?filter[status][eq]=pending&page[size]=1'),
    ]);
    if (d.status !== 200 || g.status !== 200) { say(problem(d.status !== 200 ? d : g), 'error'); return; }
    const tile = (href, n, text) => el('a', { class: 'admin-tile', href }, el('strong', { text: String(n) }), text);
    body.replaceChildren(el('h2', { text: 'What waits for you' }), el('div', { class: 'admin-tiles' },
      tile('/admin/developers/?status=pending', d.data.meta.page.total, 'developers waiting for approval'),
      tile('/admin/registrations/?status=pending', g.data.meta.page.total, 'registrations waiting for approval')));
  };

  const statusSelect = (s, id) => {
    const sel = el('select', { id }, ...['', 'pending', 'approved', 'rejected', 'revoked'].map((v) => el('option', { value: v, text: v || 'Any status' })));
    sel.value = s.status;
    sel.addEventListener('change', () => { s.status = sel.value; s.page = '1'; s.save(); render(); });
    return sel;
  };

  const devTransitions = { approved: ['pending', 'rejected', 'revoked'], rejected: ['pending'], revoked: ['approved'] };
  const developers = () => {
    const s = state({ status: '', q: '', page: '1' });
    const q = el('input', { id: 'dev-q', type: 'search', value: s.q, placeholder: 'email or name' });
    const search = el('form', { class: 'admin-tools', role: 'search' },
      field('Status', statusSelect(s, 'dev-status')), field('Search', q), el('button', { type: 'submit', class: 'button', text: 'Search' }));
    search.addEventListener('submit', (e) => { e.preventDefault(); s.q = q.value.trim(); s.page = '1'; s.save(); render(); });
    const list = el('div');
    body.replaceChildren(search, list);
    render = async () => {
      const query = new URLSearchParams({ 'page[size]': '20', 'page[number]': s.page });
      if (s.status) query.set('filter[status][eq]', s.status);
      if (s.q) query.set('filter[q]', s.q);
      const r = await call('GET', portal + '/developers?' + query);
      if (r.status !== 200) { say(problem(r), 'error'); return; }
      const rows = [];
      for (const d of r.data.data) {
        const path = portal + '/developers/' + encodeURIComponent(d.id);
        const detail = el('tr', { hidden: true }, el('td', { colspan: '4', class: 'admin-detail' }));
        const more = button('Teams and apps', { 'aria-expanded': 'false', 'aria-label': 'Teams and applications of ' + d.email }, async () => {
          const open = more.getAttribute('aria-expanded') === 'true';
          more.setAttribute('aria-expanded', String(!open));
          detail.hidden = open;
          if (open) return;
          const one = await call('GET', path);
          if (one.status !== 200) { say(problem(one), 'error'); return; }
          const names = (xs, none) => xs.length ? el('ul', {}, ...xs.map((x) => el('li', { text: x.name }))) : el('p', { class: 'sub', text: none });
          detail.firstChild.replaceChildren(el('strong', { text: 'Teams' }), names(one.data.teams, 'In no team.'),
            el('strong', { text: 'Applications' }), names(one.data.applications, 'No applications.'));
        });
        const del = button('Delete', { class: 'button button-small button-danger', 'aria-label': 'Delete ' + d.email }, async () => {
          if (!(await ask(`Delete ${d.email}? Their applications and keys go too.`, 'Delete'))) return;
          const x = await call('DELETE', path);
          if (x.status !== 204) { say(problem(x), 'error'); return; }
          say(`${d.email} was deleted.`, 'ok');
          render();
        });
        const acts = actions(d.status, devTransitions, d.email, async (to) => { if (await decide(path, d, to, d.email)) render(); });
        rows.push(el('tr', {}, el('td', { 'data-label': 'Developer' }, who(d)), el('td', { 'data-label': 'Status' }, pill(d.status)),
          el('td', { 'data-label': 'Signed up', text: when(d.created_at) }), el('td', { 'data-label': 'Actions' }, el('div', { class: 'row-actions' }, ...acts, more, del))));
        rows.push(detail);
      }
      list.replaceChildren(table(['Developer', 'Status', 'Signed up', 'Actions'], rows, 'No developers match.'),
        pager(r.data.meta, (n) => { s.page = String(n); s.save(); render(); }));
    };
    render();
  };

  const regTransitions = { approved: ['pending', 'rejected', 'revoked'], rejected: ['pending'], revoked: ['approved'] };
  const registrations = () => {
    const s = state({ status: '', page: '1' });
    const list = el('div');
    body.replaceChildren(el('div', { class: 'admin-tools' }, field('Status', statusSelect(s, 'reg-status'))), list);
    render = async () => {
      const query = new URLSearchParams({ 'page[size]': '20', 'page[number]': s.page });
      if (s.status) query.set('filter[status][eq]', s.status);
      const r = await call('GET', portal + '/application-registrations?' + query);
      if (r.status !== 200) { say(problem(r), 'error'); return; }
      const rows = r.data.data.map((g) => {
        const app = g.application ? g.application.name : '(deleted application)';
        const apiName = g.api ? g.api.name : '(unpublished API)';
        const name = `${app} → ${apiName}`;
        const path = portal + '/application-registrations/' + encodeURIComponent(g.id);
        const acts = actions(g.status, regTransitions, name, async (to) => { if (await decide(path, g, to, 'The registration of ' + name)) render(); });
        return [el('span', {}, app, g.team ? el('span', { class: 'sub', text: 'team ' + g.team.name }) : null),
          g.developer ? who(g.developer) : '', apiName, pill(g.status), when(g.created_at), el('div', { class: 'row-actions' }, ...acts)];
      });
      list.replaceChildren(table(['Application', 'Developer', 'API', 'Status', 'Requested', 'Actions'], rows, 'No registrations match.'),
        pager(r.data.meta, (n) => { s.page = String(n); s.save(); render(); }));
    };
    render();
  };

  const applications = () => {
    const s = state({ page: '1' });
    render = async () => {
      const r = await call('GET', portal + '/applications?' + new URLSearchParams({ 'page[size]': '20', 'page[number]': s.page }));
      if (r.status !== 200) { say(problem(r), 'error'); return; }
      const rows = r.data.data.map((a) => [el('span', {}, a.name, el('span', { class: 'sub', text: a.description || '' })),
        a.developer ? who(a.developer) : '', a.team ? a.team.name : '', when(a.created_at)]);
      body.replaceChildren(table(['Application', 'Developer', 'Team', 'Created'], rows, 'No applications yet.'),
        pager(r.data.meta, (n) => { s.page = String(n); s.save(); render(); }));
    };
    render();
  };

  const teams = () => {
    const name = el('input', { id: 'team-name', required: true });
    const desc = el('input', { id: 'team-desc' });
    const create = el('form', { class: 'admin-tools' }, field('Team name', name), field('Description', desc),
      el('button', { type: 'submit', class: 'button button-primary', text: 'Create team' }));
    create.addEventListener('submit', async (e) => {
      e.preventDefault();
      const r = await call('POST', portal + '/teams', { name: name.value, description: desc.value });
      if (r.status !== 201) { say(problem(r), 'error'); return; }
      say(`Team ${r.data.name} created.`, 'ok');
      name.value = desc.value = '';
      render();
    });
    const list = el('div');
    body.replaceChildren(el('h2', { text: 'New team' }), create, el('h2', { text: 'Teams' }), list);
    render = async () => {
      const [t, a] = await Promise.all([call('GET', portal + '/teams?page[size]=100'), call('GET', '/apis')]);
      if (t.status !== 200 || a.status !== 200) { say(problem(t.status !== 200 ? t : a), 'error'); return; }
      const apis = a.data.data;
      const cards = await Promise.all(t.data.data.map((tm) => teamCard(tm, apis)));
      list.replaceChildren(...(cards.length ? cards : [el('p', { class: 'admin-empty', text: 'No teams yet.' })]));
    };
    render();
  };
  const teamCard = async (tm, apis) => {
    const base = portal + '/teams/' + encodeURIComponent(tm.id);
    const [m, r] = await Promise.all([call('GET', base + '/developers?page[size]=100'), call('GET', base + '/assigned-roles')]);
    const id = 'team-' + tm.id;
    const members = (m.data && m.data.data) || [];
    const roles = (r.data && r.data.data) || [];
    const remove = (label, path, what) => button('Remove', { class: 'button button-small button-danger', 'aria-label': label }, async () => {
      if (!(await ask(label + '?', 'Remove'))) return;
      const x = await call('DELETE', path);
      if (x.status !== 204) { say(problem(x), 'error'); return; }
      say(what, 'ok');
      render();
    });
    const email = el('input', { id: id + '-email', type: 'email' });
    const add = el('form', { class: 'admin-inline' }, field('Developer email', email),
      el('button', { type: 'submit', class: 'button button-small', text: 'Add to ' + tm.name }));
    add.addEventListener('submit', async (e) => {
      e.preventDefault();
      const want = email.value.trim().toLowerCase();
      const found = await call('GET', portal + '/developers?' + new URLSearchParams({ 'filter[email][contains]': want, 'page[size]': '100' }));
      const dev = found.status === 200 && found.data.data.find((d) => d.email.toLowerCase() === want);
      if (!dev) { say(`No developer has the address ${want}.`, 'error'); return; }
      const x = await call('POST', base + '/developers', { id: dev.id });
      if (x.status !== 201 && x.status !== 204) { say(problem(x), 'error'); return; }
      say(`${dev.email} added to ${tm.name}.`, 'ok');
      render();
    });
    const role = el('select', { id: id + '-role' }, el('option', { text: 'API Consumer' }), el('option', { text: 'API Viewer' }));
    const apiSel = el('select', { id: id + '-api' }, ...apis.map((x) => el('option', { value: x.id, text: `${x.name} (${x.slug})` })));
    const assign = el('form', { class: 'admin-inline' }, field('Role', role), field('API', apiSel),
      el('button', { type: 'submit', class: 'button button-small', text: 'Assign role' }));
    assign.addEventListener('submit', async (e) => {
      e.preventDefault();
      const x = await call('POST', base + '/assigned-roles', { role_name: role.value, entity_id: apiSel.value, entity_type_name: 'APIs' });
      if (x.status !== 201) { say(problem(x), 'error'); return; }
      say(`${tm.name} holds ${role.value} on ${apiSel.selectedOptions[0].text}.`, 'ok');
      render();
    });
    const roleName = (x) => `${x.role_name} on ${x.api ? x.api.name : x.entity_id}`;
    return el('section', { class: 'admin-team', 'aria-labelledby': id },
      el('h3', { id, text: tm.name }), tm.description ? el('p', { class: 'sub', text: tm.description }) : null,
      el('strong', { text: 'Members' }),
      members.length ? el('ul', {}, ...members.map((d) => el('li', {}, d.email + ' ', remove(`Remove ${d.email} from ${tm.name}`, base + '/developers/' + encodeURIComponent(d.id), `${d.email} removed from ${tm.name}.`))))
        : el('p', { class: 'sub', text: 'No members.' }),
      add,
      el('strong', { text: 'Roles' }),
      roles.length ? el('ul', {}, ...roles.map((x) => el('li', {}, roleName(x) + ' ', remove(`Remove ${roleName(x)} from ${tm.name}`, base + '/assigned-roles/' + encodeURIComponent(x.id), 'Role removed.'))))
        : el('p', { class: 'sub', text: 'No roles.' }),
      apis.length ? assign : el('p', { class: 'sub', text: 'No published APIs to assign a role on.' }));
  };

  const strategyNames = async () => {
    const r = await call('GET', '/application-auth-strategies');
    return r.status === 200 ? r.data.data : [];
  };

  const apisPage = async () => {
    const [a, strategies] = await Promise.all([call('GET', '/apis'), strategyNames()]);
    if (a.status !== 200) { say(problem(a), 'error'); return; }
    const strategy = (id) => { const x = strategies.find((y) => y.id === id); return id ? (x ? x.display_name || x.name : id) : 'none (open)'; };
    body.replaceChildren(el('p', { class: 'sub', text: 'The catalog as last published (portal publish, or portal serve); change it in portal.yaml.' }),
      table(['API', 'Version', 'Visibility', 'Auth strategy', 'Auto-approve registrations'], a.data.data.map((x) => [
        el('span', {}, x.name, el('span', { class: 'sub', text: '/apis/' + x.slug + '/' })), x.version, pill(x.visibility),
        strategy(x.auth_strategy_id), x.auto_approve_registrations ? 'yes' : 'no']), 'No APIs are published.'));
  };

  const settings = async () => {
    const [r, strategies] = await Promise.all([call('GET', portal), strategyNames()]);
    if (r.status !== 200) { say(problem(r), 'error'); return; }
    let etag = r.etag;
    const st = r.data;
    const checks = [['auto_approve_developers', 'Approve new developers automatically'], ['auto_approve_applications', 'Approve new registrations automatically'],
      ['rbac_enabled', 'Role-based access (RBAC): private APIs only for teams holding a role'], ['authentication_enabled', 'Developer accounts (sign-up and login)']];
    const inputs = {};
    const f = el('form', { class: 'admin-form' });
    for (const [k, text] of checks) {
      inputs[k] = el('input', { type: 'checkbox', id: 'set-' + k, name: k });
      inputs[k].checked = !!st[k];
      f.append(el('label', { class: 'check', for: 'set-' + k }, inputs[k], text));
    }
    const vis = (k, text) => {
      inputs[k] = el('select', { id: 'set-' + k }, el('option', { value: 'public', text: 'public' }), el('option', { value: 'private', text: 'private' }));
      inputs[k].value = st[k] || 'public';
      f.append(field(text, inputs[k]));
    };
    vis('default_api_visibility', 'Default API visibility');
    vis('default_page_visibility', 'Default page visibility');
    inputs.default_application_auth_strategy_id = el('select', { id: 'set-strategy' }, ...strategies.map((x) => el('option', { value: x.id, text: x.display_name || x.name })));
    inputs.default_application_auth_strategy_id.value = st.default_application_auth_strategy_id || 'key-auth';
    f.append(field('Default auth strategy of new applications', inputs.default_application_auth_strategy_id),
      el('button', { type: 'submit', class: 'button button-primary', text: 'Save settings' }));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      const patch = {};
      for (const [k, input] of Object.entries(inputs)) patch[k] = input.type === 'checkbox' ? input.checked : input.value;
      const x = await call('PATCH', portal, patch, etag ? { 'If-Match': etag } : {});
      if (x.status === 409) { conflict('Another admin changed the settings meanwhile; nothing was saved.'); return; }
      if (x.status !== 200) { say(problem(x), 'error'); return; }
      etag = x.etag;
      say('Settings saved.', 'ok');
    });
    body.replaceChildren(f);
  };

  const strategies = async () => {
    const list = await strategyNames();
    const name = el('input', { id: 'st-name', required: true });
    const display = el('input', { id: 'st-display' });
    const keys = el('input', { id: 'st-keys', value: 'apikey' });
    const ttl = el('input', { id: 'st-ttl', type: 'number', min: '0', value: '0' });
    const f = el('form', { class: 'admin-form' }, field('Name', name), field('Display name', display),
      field('Key names (headers; comma-separated)', keys), field('Key lifetime in seconds (0: keys never expire)', ttl),
      el('button', { type: 'submit', class: 'button button-primary', text: 'Create auth strategy' }));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      const x = await call('POST', '/application-auth-strategies', {
        name: name.value, display_name: display.value || name.value, strategy_type: 'key_auth',
        configs: { 'key-auth': { key_names: keys.value.split(',').map((k) => k.trim()).filter(Boolean), ttl: Number(ttl.value) || 0 } },
      });
      if (x.status !== 201) { say(problem(x), 'error'); return; }
      say(`Auth strategy ${x.data.name} created.`, 'ok');
      strategies();
    });
    body.replaceChildren(table(['Auth strategy', 'Type', 'Key names', 'Key lifetime'], list.map((x) => [
      el('span', {}, x.display_name || x.name, el('span', { class: 'sub', text: x.id })), x.strategy_type, (x.key_names || []).join(', '),
      x.ttl ? x.ttl + ' s' : 'no expiry']), 'No auth strategies.'), el('h2', { text: 'New key auth strategy' }), f);
  };

  const audit = () => {
    const s = state({ actor: '', subject: '', action: '', from: '', to: '', page: '1' });
    const inputs = {};
    const f = el('form', { class: 'admin-tools' });
    for (const [k, text, type] of [['actor', 'Actor', 'text'], ['subject', 'Subject', 'text'], ['action', 'Action', 'text'], ['from', 'From', 'datetime-local'], ['to', 'Before', 'datetime-local']]) {
      inputs[k] = el('input', { id: 'audit-' + k, type, value: s[k] });
      f.append(field(text, inputs[k]));
    }
    f.append(el('button', { type: 'submit', class: 'button', text: 'Filter' }));
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      for (const k of Object.keys(inputs)) s[k] = inputs[k].value.trim();
      s.page = '1';
      s.save();
      render();
    });
    const list = el('div');
    body.replaceChildren(f, list);
    const iso = (v) => { const d = new Date(v); return isNaN(d) ? v : d.toISOString(); };
    render = async () => {
      const q = new URLSearchParams({ 'page[size]': '50', 'page[number]': s.page });
      for (const k of ['actor', 'subject', 'action']) if (s[k]) q.set(`filter[${k}][eq]`, s[k]);
      if (s.from) q.set('filter[at][gte]', iso(s.from));
      if (s.to) q.set('filter[at][lt]', iso(s.to));
      const r = await call('GET', '/audit-events?' + q);
      if (r.status !== 200) { say(problem(r), 'error'); return; }
      const rows = r.data.data.map((ev) => [when(ev.at), el('span', {}, ev.actor_email || ev.actor, ev.actor_email ? el('span', { class: 'sub', text: ev.actor }) : null),
        ev.action, el('span', { class: 'sub', text: ev.subject }), Object.entries(ev.detail || {}).map(([k, v]) => k + '=' + v).join(' ')]);
      list.replaceChildren(table(['Time', 'Actor', 'Action', 'Subject', 'Detail'], rows, 'No events match.'),
        pager(r.data.meta, (n) => { s.page = String(n); s.save(); render(); }));
    };
    render();
  };

  // admins lists the admin users and invites new ones by mail; one may
  // disable or enable another (not themselves).
  let self = '';
  const admins = () => {
    const email = el('input', { id: 'invite-email', type: 'email', required: true, autocomplete: 'off' });
    const name = el('input', { id: 'invite-name', autocomplete: 'off' });
    const form = el('form', { class: 'admin-tools' }, field('Email', email), field('Name', name),
      el('button', { type: 'submit', class: 'button button-primary', text: 'Send invitation' }));
    const invite = async (address, fullName) => {
      const x = await call('POST', '/invites', { email: address, full_name: fullName });
      if (x.status !== 201 && x.status !== 200) { say(problem(x), 'error'); return false; }
      say(`Invitation sent to ${x.data.email}; its link works once, for 7 days.`, 'ok');
      render();
      return true;
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (await invite(email.value, name.value)) email.value = name.value = '';
    });
    // setActive disables or enables u on the state the page showed.
    const setActive = async (u, to) => {
      const path = '/users/' + encodeURIComponent(u.id);
      const cur = await call('GET', path);
      if (cur.status !== 200) { say(problem(cur), 'error'); return; }
      if (cur.data.status !== u.status || cur.data.updated_at !== u.updated_at) {
        conflict(`${u.email} changed since this page was loaded: now ${cur.data.status}.`);
        return;
      }
      const x = await call('PATCH', path, { active: to }, { 'If-Match': cur.etag });
      if (x.status === 409) { conflict(problem(x)); return; }
      if (x.status !== 200) { say(problem(x), 'error'); return; }
      say(`${u.email} is now ${x.data.status}.`, 'ok');
      render();
    };
    const list = el('div');
    body.replaceChildren(list, el('h2', { text: 'Invite an admin user' }), form,
      el('p', { class: 'sub' }, 'They choose their own password from the mailed link. Or run ', el('code', { text: 'portal admin users create EMAIL' }),
        ' where the portal\'s data lives (with ', el('code', { text: '--dynamodb-table TABLE' }), ' for a deployed portal).'));
    if (self) body.append(el('h2', { text: 'Your password' }), passwordForm());
    render = async () => {
      const r = await call('GET', '/users?page[size]=100');
      if (r.status !== 200) { say(problem(r), 'error'); return; }
      const rows = r.data.data.map((u) => {
        const small = (text, label, danger, onClick) => button(text, { class: 'button button-small' + (danger ? ' button-danger' : ''), 'aria-label': label }, onClick);
        let acts;
        if (u.id === self) acts = [el('span', { class: 'sub', text: 'you' })];
        else if (u.status === 'invited') {
          acts = [small('Resend invitation', 'Resend the invitation to ' + u.email, false, () => invite(u.email, u.full_name)),
            small('Withdraw', 'Withdraw the invitation of ' + u.email, true, async () => {
              if (await ask(`Withdraw the invitation of ${u.email}? Its link stops working.`, 'Withdraw')) setActive(u, false);
            })];
        } else if (u.active) {
          acts = [small('Disable', 'Disable ' + u.email, true, async () => {
            if (await ask(`Disable ${u.email}? Their sessions end at once.`, 'Disable')) setActive(u, false);
          })];
        } else acts = [small('Enable', 'Enable ' + u.email, false, () => setActive(u, true))];
        return [who(u), pill(u.status), when(u.created_at), el('div', { class: 'row-actions' }, ...acts)];
      });
      list.replaceChildren(table(['Admin user', 'Status', 'Created', 'Actions'], rows, 'No admin users.'));
    };
    render();
  };

  // passwordForm changes the admin's own password; their other sessions
  // end, this one stays.
  const passwordForm = () => {
    const cur = el('input', { id: 'pw-current', type: 'password', autocomplete: 'current-password', required: true });
    const pw = el('input', { id: 'pw-new', type: 'password', autocomplete: 'new-password', required: true });
    const again = el('input', { id: 'pw-again', type: 'password', autocomplete: 'new-password', required: true });
    const f = el('form', { class: 'admin-form' }, field('Current password', cur), field('New password', pw), field('New password again', again),
      el('button', { type: 'submit', class: 'button', text: 'Change password' }));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (pw.value !== again.value) { say('The two new passwords differ; type the same one twice.', 'error'); again.focus(); return; }
      const r = await call('POST', '/admin/password', { current_password: cur.value, password: pw.value });
      if (r.status !== 200) { say(problem(r), 'error'); return; }
      f.reset();
      say('Your password is changed; your other sessions have ended.', 'ok');
    });
    return f;
  };

  // choose sets a password from a mailed link (an invitation, a reset):
  // the token leaves the address bar at once.
  const choose = (path, action, done) => {
    const token = params.get('token') || '';
    history.replaceState(null, '', location.pathname);
    if (!token) { say('Open this page from the link in your mail.', 'error'); return; }
    const pw = el('input', { id: 'accept-password', type: 'password', autocomplete: 'new-password', required: true });
    const again = el('input', { id: 'accept-again', type: 'password', autocomplete: 'new-password', required: true });
    const f = el('form', { class: 'admin-form' }, field('Choose a password', pw), field('The same password again', again),
      el('button', { type: 'submit', class: 'button button-primary', text: action }));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (pw.value !== again.value) { say('The two passwords differ; type the same one twice.', 'error'); again.focus(); return; }
      const r = await call('POST', path, { token, password: pw.value });
      if (r.status !== 200) { say(problem(r), 'error'); pw.focus(); return; }
      say(done, 'ok');
      body.replaceChildren(el('p', {}, 'Your password is set. ', el('a', { href: '/admin/login/', text: 'Log in' }), ` as ${r.data.email}.`));
    });
    body.replaceChildren(f);
    pw.focus();
  };

  const forgot = () => {
    const email = el('input', { id: 'forgot-email', type: 'email', autocomplete: 'username', required: true });
    const f = el('form', { class: 'admin-form' }, field('Email', email), el('button', { type: 'submit', class: 'button button-primary', text: 'Mail me a link' }));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      const r = await call('POST', '/admin/forgot-password', { email: email.value });
      if (r.status !== 204) { say(problem(r), 'error'); return; }
      say(`If ${email.value} is an active admin user's address, a link to choose a new password is on its way; it works once, for 60 minutes.`, 'ok');
    });
    body.replaceChildren(f);
    email.focus();
  };

  const pages = { overview, developers, registrations, applications, teams, apis: apisPage, settings, 'auth-strategies': strategies, audit, admins };

  const start = async () => {
    root.replaceChildren(status, body);
    if (page === 'login') { login(); return; }
    if (page === 'accept') { choose('/admin/accept-invite', 'Accept the invitation', 'Invitation accepted.'); return; }
    if (page === 'forgot-password') { forgot(); return; }
    if (page === 'reset-password') { choose('/admin/reset-password', 'Set the new password', 'Password reset.'); return; }
    const [me, p] = await Promise.all([call('GET', '/admin/me'), call('GET', '/portals')]);
    if (me.status !== 200) { if (me.status !== 401) say(problem(me), 'error'); return; }
    self = me.data.kind === 'user' ? me.data.id : '';
    const slot = document.getElementById('admin-who');
    if (slot) {
      slot.replaceChildren(el('span', { text: me.data.email || me.data.name }), button('Log out', { class: 'button button-small' }, async () => {
        await call('POST', '/admin/logout');
        location.assign('/admin/login/');
      }));
    }
    if (p.status !== 200) { say(problem(p), 'error'); return; }
    portal = '/portals/' + encodeURIComponent(p.data.data[0].id);
    render = pages[page] || (() => {});
    render();
  };
  start();
})();
