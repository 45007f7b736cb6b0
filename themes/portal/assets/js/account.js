// Account pages: sign up, log in, confirm an email address, forgot and
// reset password, and the account page. A small island over the portal's
// /api/v3 developer API (same origin, cookie session). Everything is built
// with createElement/textContent: no server text is ever parsed as HTML.
import { el, loggedIn } from './dom.js';
import { call, forgetAll } from './devapi.js';

(() => {
  'use strict';
  const root = document.getElementById('account');
  if (!root) return;
  const page = root.dataset.page;
  const home = root.dataset.home || '/';
  const params = new URLSearchParams(location.search);

  const link = (href, text) => el('a', { href: home + href.replace(/^\//, ''), text });
  // next: where a gate sent the visitor from; only a path on this origin.
  const next = (() => {
    const n = params.get('next') || '';
    try {
      const u = new URL(n, location.origin);
      if (n.startsWith('/') && u.origin === location.origin) return u.pathname + u.search + u.hash;
    } catch { /* not a URL */ }
    return '';
  })();

  const status = el('div', { class: 'account-status', role: 'status', 'aria-live': 'polite' });
  const say = (text, kind) => {
    status.textContent = text;
    status.className = 'account-status' + (kind ? ' is-' + kind : '');
  };

  // form builds a form with labelled fields; submit gets the values.
  const form = (fields, label, submit) => {
    const f = el('form', { class: 'account-form', novalidate: true });
    const inputs = {};
    for (const [name, type, text, extra] of fields) {
      const id = 'acc-' + name;
      const input = el('input', Object.assign({ id, name, type, required: true }, extra || {}));
      const err = el('p', { class: 'field-error', id: id + '-err', hidden: true });
      input.setAttribute('aria-describedby', id + '-err');
      inputs[name] = { input, err };
      f.append(el('div', { class: 'field' }, el('label', { for: id, text }), input, err));
    }
    const btn = el('button', { type: 'submit', class: 'button button-primary', text: label });
    f.append(btn);
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      for (const { input, err } of Object.values(inputs)) { err.hidden = true; input.removeAttribute('aria-invalid'); }
      const values = {};
      for (const [name, { input }] of Object.entries(inputs)) values[name] = input.value;
      btn.disabled = true;
      say('Working…');
      try {
        const res = await submit(values);
        if (res && res.status >= 400) problem(res, inputs);
      } catch {
        say('The portal could not be reached. Check your connection and try again.', 'error');
      } finally {
        btn.disabled = false;
      }
    });
    return f;
  };

  // problem shows an application/problem+json answer.
  const problem = (res, inputs) => {
    const d = res.data || {};
    say(d.detail || 'Something went wrong (' + res.status + ').', 'error');
    for (const p of d.invalid_parameters || []) {
      const f = inputs && inputs[p.field];
      if (f) {
        f.err.textContent = p.reason;
        f.err.hidden = false;
        f.input.setAttribute('aria-invalid', 'true');
      }
    }
    const first = inputs && Object.values(inputs).find((f) => !f.err.hidden);
    if (first) first.input.focus();
  };

  const pages = {
    signup() {
      return [form([
        ['full_name', 'text', 'Full name', { autocomplete: 'name' }],
        ['email', 'email', 'Email', { autocomplete: 'email' }],
        ['password', 'password', 'Password (8 to 128 characters)', { autocomplete: 'new-password', minlength: '8', maxlength: '128' }],
      ], 'Create account', async (v) => {
        const res = await call('POST', '/developer', v);
        if (res.status === 201) say((res.data && res.data.message) || 'Check your inbox to confirm your email address.', 'ok');
        return res;
      }), el('p', {}, 'Already registered? ', link('/login/', 'Log in'))];
    },
    login() {
      // Sent here by a gate while still logged in (the access cookie
      // expired, or the key rotated): a fresh one from the session, and back.
      // Once per 10 s at most: a gate that still refuses must not loop.
      let recent = false;
      try { recent = Date.now() - Number(sessionStorage.getItem('portal-refresh') || 0) < 10000; } catch { /* no storage */ }
      if (next && !recent && loggedIn()) {
        try { sessionStorage.setItem('portal-refresh', String(Date.now())); } catch { /* no storage */ }
        call('POST', '/developer/refresh').then((res) => { if (res.status === 204) location.replace(next); });
      }
      return [form([
        ['username', 'email', 'Email', { autocomplete: 'username' }],
        ['password', 'password', 'Password', { autocomplete: 'current-password' }],
      ], 'Log in', async (v) => {
        const res = await call('POST', '/developer/authenticate', v);
        if (res.status === 204) location.assign(next || home + 'apps/');
        return res;
      }), el('p', {}, link('/forgot-password/', 'Forgot your password?'), ' · ', link('/signup/', 'Create an account'))];
    },
    'verify-email'() {
      const token = params.get('token');
      if (!token) { say('This page needs the link from your confirmation email.', 'error'); return []; }
      call('POST', '/developer/verify-email', { token }).then((res) => {
        if (res.status === 204) say('Your email address is confirmed. You can log in once your account is approved.', 'ok');
        else problem(res);
      }, () => say('The portal could not be reached. Try the link again.', 'error'));
      return [el('p', {}, link('/login/', 'Go to log in'))];
    },
    'forgot-password'() {
      return [form([['email', 'email', 'Email', { autocomplete: 'email' }]], 'Send reset link', async (v) => {
        const res = await call('POST', '/developer/forgot-password', v);
        if (res.status === 204) say('If an account uses this address, we sent it a link to reset the password. The link works for 60 minutes.', 'ok');
        return res;
      })];
    },
    'reset-password'() {
      const token = params.get('token');
      if (!token) { say('This page needs the link from your password reset email.', 'error'); return []; }
      return [form([['password', 'password', 'New password (8 to 128 characters)', { autocomplete: 'new-password', minlength: '8', maxlength: '128' }]], 'Set password', async (v) => {
        const res = await call('POST', '/developer/reset-password', { token, password: v.password });
        if (res.status === 204) say('Your password is changed and your other sessions have ended. You can log in now.', 'ok');
        return res;
      }), el('p', {}, link('/login/', 'Log in'))];
    },
    account() {
      const box = el('div', { class: 'account-details' });
      call('GET', '/developer/me').then((res) => {
        if (res.status === 401) { location.assign(home + 'login/?next=' + encodeURIComponent(location.pathname)); return; }
        if (res.status !== 200) { problem(res); return; }
        const d = res.data;
        const dl = el('dl', { class: 'facts' });
        for (const [k, v] of [['Name', d.full_name], ['Email', d.email], ['Status', d.status], ['Member since', new Date(d.created_at).toLocaleDateString()]]) {
          dl.append(el('dt', { text: k }), el('dd', { text: v }));
        }
        const out = el('button', { type: 'button', class: 'button', text: 'Log out' });
        out.addEventListener('click', async () => {
          await call('POST', '/developer/logout');
          forgetAll();
          location.assign(home);
        });
        box.replaceChildren(dl,
          el('p', {}, 'Your applications and their API keys are in ', link('/apps/', 'My Apps'), '. To change your password, ', link('/forgot-password/', 'ask for a reset link'), '.'),
          out);
      }, () => say('The portal could not be reached.', 'error'));
      return [box];
    },
  };

  const make = pages[page];
  if (!make) return;
  root.replaceChildren(...make(), status);
})();
