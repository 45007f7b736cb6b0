// The header: the menu button of narrow screens, and the logged-in
// developer's account menu (My Apps, Account, Log out) with their name.
import { loggedIn } from './dom.js';
import { call, home, forgetAll } from './devapi.js';

// disclosure wires a button that shows and hides panel (its hidden
// attribute, or only its is-open class where CSS decides): Escape and a
// click elsewhere close it, and Escape gives focus back to the button.
const disclosure = (btn, panel, useHidden) => {
  if (!btn || !panel) return;
  const set = (open) => {
    btn.setAttribute('aria-expanded', String(open));
    panel.classList.toggle('is-open', open);
    if (useHidden) panel.hidden = !open;
  };
  btn.addEventListener('click', () => set(btn.getAttribute('aria-expanded') !== 'true'));
  document.addEventListener('keydown', (e) => {
    // The search box's own Escape (closing its results) comes first.
    if (e.key !== 'Escape' || e.defaultPrevented || btn.getAttribute('aria-expanded') !== 'true') return;
    set(false);
    btn.focus();
    // The innermost open panel closes first (the account menu sits in
    // the header's panel on narrow screens).
    e.stopImmediatePropagation();
  });
  document.addEventListener('click', (e) => {
    if (btn.getAttribute('aria-expanded') === 'true' && !btn.contains(e.target) && !panel.contains(e.target)) set(false);
  });
};

// The developer's name, once per page and cached for the tab a minute.
const ME = 'portal-me';
const showName = async () => {
  const name = document.querySelector('.account-name');
  if (!name) return;
  let me = null;
  try { me = JSON.parse(sessionStorage.getItem(ME)); } catch { /* none */ }
  if (!me || Date.now() - me.at > 60000) {
    const res = await call('GET', '/developer/me').catch(() => null);
    if (!res) return;
    if (res.status === 401) {
      // The session ended: the hint is stale, and this is a visitor again.
      const secure = location.protocol === 'https:';
      document.cookie = (secure ? '__Host-' : '') + 'portal_in=; Path=/; Max-Age=0' + (secure ? '; Secure' : '');
      document.documentElement.classList.remove('in');
      forgetAll();
      return;
    }
    if (res.status !== 200) return;
    me = { name: res.data.full_name || res.data.email, at: Date.now() };
    try { sessionStorage.setItem(ME, JSON.stringify(me)); } catch { /* storage off */ }
  }
  name.textContent = me.name;
  document.getElementById('account-button').setAttribute('aria-label', 'Account menu of ' + me.name);
};

const init = () => {
  disclosure(document.getElementById('account-button'), document.getElementById('account-menu'), true);
  disclosure(document.getElementById('nav-toggle'), document.getElementById('header-panel'), false);
  if (loggedIn()) showName();
  document.getElementById('logout')?.addEventListener('click', async () => {
    await call('POST', '/developer/logout').catch(() => null);
    forgetAll();
    location.assign(home);
  });
};
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
