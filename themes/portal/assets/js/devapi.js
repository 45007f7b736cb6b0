// What the developer's islands share (My Apps, Use this API, try-it, the
// header, the account pages): calls to the portal's /api/v3, the keys
// created in this tab, and the dialogs. Built with dom.js's el: no server
// text is ever parsed as HTML.
import { el, request } from './dom.js';

// home is the site's root (the brand links to it).
export const home = document.querySelector('.brand')?.getAttribute('href') || '/';

// call sends JSON to /api/v3 and returns {status, data}; data is the
// parsed body (a problem+json's detail for errors).
export const call = (method, path, body) => request('/api/v3' + path, method, body);

// detail is a failed answer's sentence for people.
export const detail = (res) => (res.data && res.data.detail) || 'Something went wrong (' + res.status + ').';

// toLogin sends the visitor to the login page, and back here after it.
export const toLogin = () => location.assign(home + 'login/?next=' + encodeURIComponent(location.pathname + location.search));

// appURL is an application's page of My Apps.
export const appURL = (id) => home + 'apps/app/?id=' + encodeURIComponent(id);

// What a registration's status means for the developer's keys.
export const meaning = {
  pending: 'waiting for an administrator',
  approved: 'your keys work for this API',
  rejected: 'an administrator declined it; your keys do not work for this API',
  revoked: 'an administrator withdrew it; your keys no longer work for this API',
};

// Keys are shown once. Those created in this tab are remembered for the
// tab (sessionStorage: gone when it closes, never sent anywhere), so that
// try-it can offer them.
const KEYS = 'portal-keys';
const SHOW = 'portal-showkey';
const session = {
  get(k, d) { try { return JSON.parse(sessionStorage.getItem(k)) ?? d; } catch { return d; } },
  set(k, v) { try { if (v === null) sessionStorage.removeItem(k); else sessionStorage.setItem(k, JSON.stringify(v)); } catch { /* storage off */ } },
};
export const rememberedKeys = () => session.get(KEYS, []);
export const remember = (app, c) => session.set(KEYS, [{ app: app.id, appName: app.name, cred: c.id, key: c.credential, hint: c.key_hint },
  ...rememberedKeys().filter((k) => k.cred !== c.id)].slice(0, 20));
export const forget = (test) => session.set(KEYS, rememberedKeys().filter((k) => !test(k)));
// forgetAll forgets what this tab holds of the developer (at logout).
export const forgetAll = () => { for (const k of [KEYS, SHOW, 'portal-me', 'portal-flash']) session.set(k, null); };
// showKeyNext asks the application's page to show this new key once.
export const showKeyNext = (credID) => session.set(SHOW, credID);
// takeShowKey returns the key the application's page should show, once.
export const takeShowKey = (appID) => {
  const id = session.get(SHOW, null);
  if (!id) return null;
  session.set(SHOW, null);
  return rememberedKeys().find((k) => k.cred === id && k.app === appID) || null;
};

// createKey creates a key for app, remembers it for the tab, and returns
// the answer.
export const createKey = async (app, name) => {
  const res = await call('POST', '/applications/' + encodeURIComponent(app.id) + '/credentials', { display_name: name || '' });
  if (res.status === 201) remember(app, res.data);
  return res;
};

let dialogs = 0;
// modal shows a modal <dialog> (the page behind is inert, so focus stays
// in it; Escape closes it) and gives focus back to where it was, or to
// back when that is gone.
export const modal = (title, body, actions, back) => {
  const prev = document.activeElement;
  const h = el('h2', { id: 'dialog-h' + ++dialogs, text: title });
  const d = el('dialog', { class: 'dialog', 'aria-labelledby': h.id }, h, ...body, actions.length && el('div', { class: 'dialog-actions' }, ...actions));
  // Tab and Shift+Tab wrap around inside the dialog, never out to the
  // page behind or the browser.
  d.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const f = [...d.querySelectorAll('button, a[href], input, select, textarea')].filter((x) => !x.disabled && x.offsetParent !== null);
    const [first, last] = [f[0], f[f.length - 1]];
    if (e.shiftKey ? document.activeElement === first : document.activeElement === last) {
      e.preventDefault();
      (e.shiftKey ? last : first).focus();
    }
  });
  d.addEventListener('close', () => {
    d.remove();
    const to = prev && prev !== document.body && prev.isConnected ? prev : back;
    to?.focus();
  });
  document.body.append(d);
  d.showModal();
  return d;
};

// confirmDialog asks before a destructive step; it resolves true for yes.
export const confirmDialog = (title, text, yes, extra) => new Promise((resolve) => {
  const ok = el('button', { type: 'button', class: 'button button-danger', text: yes });
  const no = el('button', { type: 'button', class: 'button', text: 'Cancel', autofocus: true });
  let answer = false;
  const d = modal(title, [el('p', { text }), extra], [ok, no]);
  ok.addEventListener('click', () => { answer = true; d.close(); });
  no.addEventListener('click', () => d.close());
  d.addEventListener('close', () => resolve(answer));
});

// keyDialog shows a new key once, with a copy button.
export const keyDialog = (key, appName, back) => {
  const code = el('code', { class: 'key', id: 'new-key', text: key });
  const note = el('p', { class: 'dialog-note', role: 'status', 'aria-live': 'polite' });
  const copy = el('button', { type: 'button', class: 'button button-primary', id: 'copy-key', text: 'Copy key', autofocus: true });
  const done = el('button', { type: 'button', class: 'button', text: 'Done' });
  const d = modal('Your new API key', [
    el('p', { class: 'callout-warn', text: 'Copy this key now: you will not see it again. The portal keeps only a hint of it, so a lost key cannot be shown; create a new one instead.' }),
    el('p', { class: 'muted', text: 'For ' + appName + '. Send it in the apikey header (or the header the API names). This tab remembers it for try-it until the tab closes.' }),
    el('div', { class: 'key-box' }, code), note,
  ], [copy, done], back);
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(key);
      note.textContent = 'Copied to the clipboard.';
    } catch {
      // No clipboard (no permission, plain http): select it for Ctrl+C.
      const r = document.createRange();
      r.selectNodeContents(code);
      getSelection().removeAllRanges();
      getSelection().addRange(r);
      note.textContent = 'The key is selected: press Ctrl+C (⌘C on a Mac) to copy it.';
    }
  });
  done.addEventListener('click', () => d.close());
  return d;
};
