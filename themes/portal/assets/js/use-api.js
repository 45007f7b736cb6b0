// "Use this API" on an API's overview: pick one of the developer's
// applications or create one, register it to this API, and land on the
// application's page with a key (one is created when it has none). A
// visitor who is not logged in follows the link to the login page.
import { el, loggedIn } from './dom.js';
import { call, detail, toLogin, appURL, meaning, createKey, showKeyNext, modal } from './devapi.js';

(() => {
  'use strict';
  const btn = document.getElementById('use-api');
  if (!btn) return;

  btn.addEventListener('click', async (e) => {
    if (!loggedIn()) return; // the link logs in and comes back
    e.preventDefault();
    const [a, l] = await Promise.all([call('GET', '/apis/' + encodeURIComponent(btn.dataset.api)), call('GET', '/applications?page[size]=100')]).catch(() => [{ status: 0 }, {}]);
    if (a.status === 401 || l.status === 401) { toLogin(); return; }
    const name = btn.dataset.name || btn.dataset.api;
    const close = el('button', { type: 'button', class: 'button', text: 'Close' });
    if (a.status !== 200 || !a.data.may_consume) {
      const why = a.status === 200
        ? 'Using ' + name + ' needs the API Consumer role on it. Ask an administrator to add you to a team that has it.'
        : (a.status ? detail(a) : 'The portal could not be reached. Check your connection and try again.');
      const d = modal('Use ' + name, [el('p', { text: why })], [close], btn);
      close.addEventListener('click', () => d.close());
      return;
    }
    const api = a.data;
    const apps = (l.data && l.data.data) || [];

    // Either an application of theirs or a new one.
    const useNew = el('input', { type: 'radio', name: 'use-app', id: 'use-new', value: 'new' });
    const useOld = el('input', { type: 'radio', name: 'use-app', id: 'use-old', value: 'old' });
    const pick = el('select', { id: 'use-app-pick', 'aria-label': 'Application' });
    for (const x of apps) pick.append(el('option', { value: x.id, text: x.name }));
    const appName = el('input', { type: 'text', id: 'use-app-name', maxlength: '100', autocomplete: 'off', value: name + ' app' });
    const err = el('p', { class: 'field-error', role: 'alert' });
    const sync = () => { pick.disabled = !useOld.checked; appName.disabled = !useNew.checked; };
    (apps.length ? useOld : useNew).checked = true;
    const choices = el('fieldset', {},
      el('legend', { text: 'Application' }),
      apps.length && el('div', { class: 'field' }, el('label', { class: 'choice', for: 'use-old' }, useOld, 'One of my applications'), pick),
      el('div', { class: 'field' }, el('label', { class: 'choice', for: 'use-new' }, useNew, 'A new application named'), appName));
    choices.addEventListener('change', sync);
    sync();
    const go = el('button', { type: 'submit', class: 'button button-primary', text: 'Register and get a key' });
    const form = el('form', { novalidate: true },
      el('p', { class: 'muted', text: 'Registering lets the application\'s keys call ' + name + (api.auto_approve_registrations ? '' : ' once an administrator approves it') + '.' }),
      choices, err,
      el('div', { class: 'dialog-actions' }, go, close));
    const d = modal('Use ' + name, [form], [], btn);
    d.querySelector('.dialog-actions:last-child:empty')?.remove();
    close.addEventListener('click', () => d.close());

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      go.disabled = true;
      try {
        let app = apps.find((x) => x.id === pick.value);
        if (useNew.checked) {
          const c = await call('POST', '/applications', { name: appName.value.trim() });
          if (c.status !== 201) { err.textContent = detail(c); appName.focus(); return; }
          app = c.data;
        }
        const base = '/applications/' + encodeURIComponent(app.id);
        const r = await call('POST', base + '/registrations', { api_id: api.id });
        // 409: it is registered already, which is what was asked.
        if (r.status !== 201 && r.status !== 409) { err.textContent = detail(r); return; }
        const keys = await call('GET', base + '/credentials');
        if (keys.status === 200 && !(keys.data.data || []).length) {
          const k = await createKey(app, name);
          if (k.status !== 201) { err.textContent = detail(k); return; }
          showKeyNext(k.data.id);
        }
        if (r.status === 201) {
          try { sessionStorage.setItem('portal-flash', 'Registered to ' + name + ': ' + r.data.status + ' — ' + meaning[r.data.status] + '.'); } catch { /* storage off */ }
        }
        location.assign(appURL(app.id));
      } catch {
        err.textContent = 'The portal could not be reached. Check your connection and try again.';
      } finally {
        go.disabled = false;
      }
    });
  });
})();
