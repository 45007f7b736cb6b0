// My Apps: the developer's applications (/apps/) and one application
// (/apps/app/?id=…) with its credentials and registrations. An island over
// /api/v3; every node is built with el and textContent.
import { el, loggedIn } from './dom.js';
import { call, detail, toLogin, appURL, home, meaning, remember, forget, createKey, takeShowKey, keyDialog, confirmDialog } from './devapi.js';

(() => {
  'use strict';
  const root = document.getElementById('apps');
  if (!root) return;
  if (!loggedIn()) { toLogin(); return; }

  const status = el('p', { class: 'account-status', role: 'status', 'aria-live': 'polite' });
  const say = (text, kind) => {
    status.textContent = text;
    status.className = 'account-status' + (kind ? ' is-' + kind : '');
  };
  // ok checks an answer: a lost session goes to the login page.
  const ok = (res, want) => {
    if (res.status === 401) { toLogin(); return false; }
    if (res.status !== want) { say(detail(res), 'error'); return false; }
    return true;
  };
  const when = (t) => new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const badge = (s) => el('span', { class: 'badge reg-' + s, text: s });
  let uid = 0;
  const field = (label, input) => {
    input.id = input.id || 'apps-f' + ++uid;
    return el('div', { class: 'field' }, el('label', { for: input.id, text: label }), input);
  };
  // busy disables a button while fn runs.
  const busy = async (btn, fn) => {
    btn.disabled = true;
    try { await fn(); } catch { say('The portal could not be reached. Check your connection and try again.', 'error'); } finally { btn.disabled = false; }
  };

  // The list: each application with its keys and registrations, and a
  // form to create one (which opens the new application's page).
  const list = async () => {
    const ul = el('ul', { class: 'app-list', 'aria-label': 'Your applications' });
    const name = el('input', { type: 'text', name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
    const desc = el('input', { type: 'text', name: 'description', maxlength: '1000', autocomplete: 'off' });
    const create = el('button', { type: 'submit', class: 'button button-primary', text: 'Create application' });
    const form = el('form', { class: 'account-form', novalidate: true }, field('Name', name), field('Description (optional)', desc), create);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(create, async () => {
        const res = await call('POST', '/applications', { name: name.value, description: desc.value });
        if (ok(res, 201)) location.assign(appURL(res.data.id));
        else name.focus();
      });
    });
    // The page is drawn once, with what it shows: nothing moves under the
    // reader's eyes (and no layout shift).
    const show = (...kids) => root.replaceChildren(status, ...kids, el('section', { class: 'app-create', 'aria-labelledby': 'create-h' }, el('h2', { id: 'create-h', text: 'Create an application' }), form));
    const [a, b] = await Promise.all([call('GET', '/applications?page[size]=100'), call('GET', '/apis')]);
    if (!ok(a, 200)) { show(); return; }
    const apis = new Map(((b.data && b.data.data) || []).map((x) => [x.id, x]));
    const apps = a.data.data || [];
    if (!apps.length) {
      show(el('p', { class: 'muted', text: 'No applications yet. Create one below, or use "Use this API" on an API\'s page.' }));
      return;
    }
    const cards = await Promise.all(apps.map(async (app) => {
      const base = '/applications/' + encodeURIComponent(app.id);
      const [r, c] = await Promise.all([call('GET', base + '/registrations'), call('GET', base + '/credentials')]);
      const regs = (r.data && r.data.data) || [];
      const keys = ((c.data && c.data.data) || []).length;
      return el('li', { class: 'card app-card' },
        el('h2', { class: 'card-title' }, el('a', { href: appURL(app.id), text: app.name })),
        app.description && el('p', { class: 'muted', text: app.description }),
        el('p', { class: 'app-meta', text: keys + (keys === 1 ? ' key' : ' keys') + ' · ' + (regs.length ? regs.length + (regs.length === 1 ? ' API' : ' APIs') : 'no API yet') }),
        regs.length && el('ul', { class: 'app-regs', 'aria-label': 'Registrations' },
          ...regs.map((g) => el('li', {}, el('span', { text: (apis.get(g.api_id) || { name: 'An API no longer published' }).name + ' ' }), badge(g.status)))));
    }));
    ul.replaceChildren(...cards);
    show(ul);
  };

  // One application: credentials, registrations, and deleting it.
  const app = async () => {
    const id = new URLSearchParams(location.search).get('id');
    if (!id) {
      say('This page shows one application: open it from My Apps.', 'error');
      root.replaceChildren(status, el('p', {}, el('a', { href: home + 'apps/', text: 'Go to My Apps' })));
      return;
    }
    const base = '/applications/' + encodeURIComponent(id);
    const h1 = document.querySelector('.page-head h1');
    const about = el('div', { class: 'app-about' });
    const creds = el('ul', { class: 'app-keys', 'aria-label': 'Keys' });
    const regs = el('ul', { class: 'app-regs', 'aria-label': 'Registrations' });
    const regAdd = el('div', { class: 'app-register' });
    const keyName = el('input', { type: 'text', id: 'key-name', maxlength: '100', autocomplete: 'off', placeholder: 'e.g. Production server' });
    const mk = el('button', { type: 'submit', class: 'button button-primary', id: 'create-key', text: 'Create key' });
    const keyForm = el('form', { class: 'inline-form', novalidate: true }, field('New key name (optional)', keyName), mk);
    const del = el('button', { type: 'button', class: 'button button-danger', text: 'Delete application' });
    const sections = el('div', { class: 'app-sections' },
      el('section', { 'aria-labelledby': 'creds-h' }, el('h2', { id: 'creds-h', text: 'Credentials' }),
        el('p', { class: 'muted', text: 'API keys of this application. A new key is shown once; rotate a key to replace it without downtime.' }), creds, keyForm),
      el('section', { 'aria-labelledby': 'regs-h' }, el('h2', { id: 'regs-h', text: 'Registrations' }),
        el('p', { class: 'muted', text: 'The APIs this application may call. An administrator approves each registration, unless the portal approves them at once.' }), regs, regAdd),
      el('section', { 'aria-labelledby': 'danger-h' }, el('h2', { id: 'danger-h', text: 'Delete' }),
        el('p', { class: 'muted', text: 'Deleting the application deletes its keys and registrations.' }), del));
    let the = { id, name: '' };

    const load = async () => {
      const [a, r, c, b] = await Promise.all([call('GET', base), call('GET', base + '/registrations'), call('GET', base + '/credentials'), call('GET', '/apis')]);
      if (!ok(a, 200)) { sections.hidden = true; return false; }
      the = a.data;
      h1.textContent = the.name;
      document.title = the.name + ' · ' + document.title.split(' · ').slice(1).join(' · ');
      about.replaceChildren(
        the.description && el('p', { class: 'lead', text: the.description }),
        el('p', { class: 'muted' }, el('a', { href: home + 'apps/', text: 'My Apps' }), ' · created ' + when(the.created_at)));
      const keys = (c.data && c.data.data) || [];
      creds.replaceChildren(...(keys.length ? keys.map(keyItem) : [el('li', { class: 'muted', text: 'No keys yet.' })]));
      const apis = (b.data && b.data.data) || [];
      const byID = new Map(apis.map((x) => [x.id, x]));
      const list = (r.data && r.data.data) || [];
      regs.replaceChildren(...(list.length ? list.map((g) => {
        const x = byID.get(g.api_id);
        return el('li', { class: 'reg' },
          x ? el('a', { href: home + 'apis/' + encodeURIComponent(x.slug) + '/', text: x.name }) : el('span', { text: 'An API no longer published' }),
          ' ', badge(g.status), el('span', { class: 'reg-meaning', text: ' — ' + (meaning[g.status] || '') }));
      }) : [el('li', { class: 'muted', text: 'Not registered to any API yet.' })]));
      registerForm(apis, new Set(list.map((g) => g.api_id)));
      return true;
    };

    const keyItem = (k) => {
      const rot = el('button', { type: 'button', class: 'button', text: 'Rotate' });
      const rev = el('button', { type: 'button', class: 'button button-danger', text: 'Revoke' });
      const label = k.display_name || 'Key ' + k.key_hint;
      rot.setAttribute('aria-label', 'Rotate ' + label);
      rev.setAttribute('aria-label', 'Revoke ' + label);
      rot.addEventListener('click', () => rotate(k, label));
      rev.addEventListener('click', () => revoke(k, label));
      const facts = ['created ' + when(k.created_at)];
      if (k.expires_at) facts.push('expires ' + when(k.expires_at));
      facts.push(k.last_used_at ? 'last used ' + when(k.last_used_at) : 'never used');
      return el('li', { class: 'key-item' },
        el('div', {}, el('strong', { text: label }), ' ', el('code', { text: k.key_hint }), el('div', { class: 'muted key-facts', text: facts.join(' · ') })),
        el('div', { class: 'key-actions' }, rot, rev));
    };

    const rotate = async (k, label) => {
      const grace = el('select', { id: 'grace' });
      for (const [v, t] of [['3600', '1 hour'], ['86400', '24 hours'], ['604800', '7 days'], ['0', 'No grace: it stops now']]) grace.append(el('option', { value: v, text: t }));
      grace.value = '86400';
      const yes = await confirmDialog('Rotate ' + label + '?', 'A new key replaces it. The old key keeps working for the grace period you choose, so that you can switch without downtime.', 'Rotate key',
        field('The old key keeps working for', grace));
      if (!yes) return;
      const res = await call('POST', base + '/credentials/' + encodeURIComponent(k.id) + '/rotate', { grace_period: Number(grace.value) });
      if (!ok(res, 201)) return;
      forget((x) => x.cred === k.id && grace.value === '0');
      remember(the, res.data);
      await load();
      say('Key rotated: the old one works until ' + (grace.value === '0' ? 'now' : 'the grace period ends') + '.', 'ok');
      keyDialog(res.data.credential, the.name, mk);
    };

    const revoke = async (k, label) => {
      const yes = await confirmDialog('Revoke ' + label + '?', 'Calls with this key are refused within seconds. This cannot be undone.', 'Revoke key');
      if (!yes) return;
      const res = await call('DELETE', base + '/credentials/' + encodeURIComponent(k.id));
      if (!ok(res, 204)) return;
      forget((x) => x.cred === k.id);
      await load();
      say('Key revoked: it stops working within seconds.', 'ok');
      mk.focus();
    };

    const registerForm = (apis, registered) => {
      const free = apis.filter((x) => x.auth_strategy_id && !registered.has(x.id));
      const can = free.filter((x) => x.may_consume);
      const cannot = free.length - can.length;
      const kids = [];
      if (can.length) {
        const sel = el('select', { id: 'register-api' });
        for (const x of can) sel.append(el('option', { value: x.id, text: x.name + (x.version ? ' ' + x.version : '') }));
        const go = el('button', { type: 'submit', class: 'button', text: 'Register' });
        const f = el('form', { class: 'inline-form', novalidate: true }, field('Register to an API', sel), go);
        f.addEventListener('submit', (e) => {
          e.preventDefault();
          busy(go, async () => {
            const res = await call('POST', base + '/registrations', { api_id: sel.value });
            if (!ok(res, 201)) return;
            await load();
            say('Registered: ' + res.data.status + ' — ' + meaning[res.data.status] + '.', 'ok');
          });
        });
        kids.push(f);
      } else if (!free.length) {
        kids.push(el('p', { class: 'muted', text: 'This application is registered to every API that takes keys.' }));
      }
      if (cannot) kids.push(el('p', { class: 'muted', text: cannot + (cannot === 1 ? ' API needs' : ' APIs need') + ' the API Consumer role before you can register to it: ask an administrator to add you to a team that has it.' }));
      regAdd.replaceChildren(...kids);
    };

    keyForm.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(mk, async () => {
        const res = await createKey(the, keyName.value.trim());
        if (!ok(res, 201)) return;
        keyName.value = '';
        await load();
        say('Key created.', 'ok');
        keyDialog(res.data.credential, the.name, mk);
      });
    });
    del.addEventListener('click', async () => {
      const yes = await confirmDialog('Delete ' + the.name + '?', 'Its keys stop working within seconds and its registrations are removed. This cannot be undone.', 'Delete application');
      if (!yes) return;
      const res = await call('DELETE', base);
      if (!ok(res, 204)) return;
      forget((x) => x.app === id);
      location.assign(home + 'apps/');
    });

    const loaded = await load();
    root.replaceChildren(about, status, sections);
    if (loaded) {
      // Use this API handed over a key it created: show it once.
      const k = takeShowKey(id);
      if (k) keyDialog(k.key, the.name, mk);
    }
  };

  ({ list, app })[root.dataset.page]?.();
})();
