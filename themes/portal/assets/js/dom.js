// The helpers of every island (search, try-it, account, My Apps, the admin
// console), bundled into each by Hugo's js.Build. Everything is built with
// createElement and textContent: no data ever becomes markup.

// el makes a <tag> element. attrs become attributes: text sets the
// textContent, true an empty attribute; false, null and undefined set
// nothing. kids are appended (falsy ones skipped).
export const el = (tag, attrs, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') n.textContent = v;
    else n.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids) if (c) n.append(c);
  return n;
};

// loggedIn reports whether a developer is logged in: the functions set a
// readable hint beside the HttpOnly session cookie (it grants nothing).
export const loggedIn = () => /(^|; )(__Host-)?portal_in=1(;|$)/.test(document.cookie);

// request sends JSON to the portal's functions (same origin, the session
// cookie) and returns {status, data, etag}: data is the parsed body (a
// body that is not JSON becomes {detail: text}). A network failure
// rejects, as fetch does.
export const request = async (url, method, body, headers) => {
  const res = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: Object.assign(body ? { 'Content-Type': 'application/json' } : {}, headers || {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  let data = null;
  const text = await res.text();
  if (text) { try { data = JSON.parse(text); } catch { data = { detail: text }; } }
  return { status: res.status, data, etag: res.headers.get('ETag') };
};
