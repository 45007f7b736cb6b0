// The DOM helper of every island (search, try-it, account), bundled into
// each by Hugo's js.Build. Everything is built with createElement and
// textContent: no data ever becomes markup.

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
