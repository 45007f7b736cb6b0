// The gate's decision, shared by the CloudFront Function and the Netlify
// Edge Function: package edge puts a platform part around it and defines
// RULES, one [need, prefix…] array per need. It must decide as
// functions/access does; the vectors in its testdata run against both.
// The subset of JavaScript that cloudfront-js-2.0 runs: no for-of, spread,
// destructuring, optional chaining, or async function inside a function.
// Strings are byte strings (one character per byte, as Go's are), so that
// decoding and matching go byte for byte as in Go.

const COOKIE = '__Host-portal_access';
const UNAUTHORIZED = '{"status":401,"title":"Unauthorized","detail":"Log in to read this page."}';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// bytes turns text into a byte string (non-ASCII as UTF-8), or null.
function bytes(s) {
  if (!/[^\x00-\x7f]/.test(s)) return s;
  try {
    return s.replace(/[^\x00-\x7f]+/g, function (m) { return unescape1(encodeURIComponent(m)); });
  } catch (e) {
    return null; // a lone surrogate
  }
}

// unescape1 decodes every %XX; any other % is malformed (null).
function unescape1(s) {
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return null;
  return s.replace(/%([0-9A-Fa-f]{2})/g, function (m, h) { return String.fromCharCode(parseInt(h, 16)); });
}

// normalize is access.Normalize, whose doc comment says what and why.
function normalize(path) {
  const q = /[?#]/.exec(path);
  let p = bytes(q ? path.slice(0, q.index) : path);
  for (let round = 0; p !== null && p.indexOf('%') >= 0; round++) {
    if (round === 3) return null;
    p = unescape1(p);
  }
  if (p === null) return null;
  const parts = p.split(/[\/\\]/), segs = [];
  for (let i = 0; i < parts.length; i++) {
    let seg = parts[i];
    if (seg === '') continue;
    if (/[\x00-\x1f\x7f]/.test(seg)) return null;
    if (seg === '.') continue;
    if (seg === '..') {
      segs.pop();
      continue;
    }
    seg = seg.replace(/[. ]+$/, '');
    if (seg !== '') segs.push(seg.replace(/[A-Z]+/g, function (c) { return c.toLowerCase(); }));
  }
  return segs.length ? '/' + segs.join('/') + '/' : '/';
}

// need is what reading path needs ('' for nothing: the longest matching
// prefix decides), or null when the path cannot be normalised: it is then
// denied whatever the token.
function need(path) {
  const key = normalize(path);
  if (key === null) return null;
  let n = '', longest = -1;
  for (let i = 0; i < RULES.length; i++) {
    for (let j = 1; j < RULES[i].length; j++) {
      const p = RULES[i][j];
      if (p.length > longest && key.lastIndexOf(p, 0) === 0) {
        n = RULES[i][0];
        longest = p.length;
      }
    }
  }
  return n;
}

// b64 decodes unpadded, canonical base64url (unused bits zero), or null.
function b64(s) {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  let out = '', acc = 0, bits = 0;
  for (let i = 0; i < s.length; i++) {
    acc = acc << 6 | B64.indexOf(s.charAt(i));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode(acc >> bits);
      acc &= (1 << bits) - 1;
    }
  }
  return acc === 0 ? out : null;
}

// object parses a JSON object from a byte string, or null.
function object(s) {
  if (s === null) return null;
  try {
    const v = JSON.parse(s);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch (e) {
    return null;
  }
}

function number(v) { return typeof v === 'number' && isFinite(v); }

function absent(v) { return v === undefined || v === null; }

// verify returns the claims of token if it is valid at now (seconds), or
// null. sig(input, signature, signatureBytes) is the platform's
// HMAC-SHA256 check; it throws when the key cannot be had (fail closed).
// Time claims are whole seconds, as Go's jwt.NumericDate truncates them.
async function verify(token, now, sig) {
  const p = typeof token === 'string' ? token.split('.') : [];
  if (p.length !== 3) return null;
  const h = object(b64(p[0])), c = object(b64(p[1])), s = b64(p[2]);
  if (h === null || h.alg !== 'HS256' || c === null || s === null || s.length !== 32) return null;
  if (!(await sig(p[0] + '.' + p[1], p[2], s))) return null;
  if (typeof c.sub !== 'string' || c.sub === '' || !Array.isArray(c.apis) || typeof c.pages !== 'boolean') return null;
  for (let i = 0; i < c.apis.length; i++) {
    if (typeof c.apis[i] !== 'string' && c.apis[i] !== null) return null;
  }
  if (!number(c.exp) || !absent(c.nbf) && !number(c.nbf) || !absent(c.iat) && !number(c.iat)) return null;
  const exp = Math.floor(c.exp);
  if (!(now < exp) || exp - now > 900) return null;
  if (!absent(c.nbf) && now < Math.floor(c.nbf)) return null;
  return c;
}

function allows(c, n) {
  if (n === '') return true;
  if (n === 'pages') return c.pages;
  if (n.lastIndexOf('api:', 0) === 0) return c.apis.indexOf(n.slice(4)) >= 0;
  return false; // an unknown need fails closed
}

// decide is the gate's decision for a request path (a query is ignored)
// carrying token ('' without a cookie): 'public' (no rule gates it),
// 'allow', 'login' or 'deny'. Any error (the key unavailable) is 'login'.
async function decide(path, token, now, sig) {
  const n = need(path);
  if (n === null) return 'deny';
  if (n === '') return 'public';
  let c = null;
  try {
    c = await verify(token, now, sig);
  } catch (e) {
    c = null;
  }
  return c === null ? 'login' : allows(c, n) ? 'allow' : 'deny';
}

// html reports whether a login answer should be the login page (a browser
// asking for a page) rather than 401.
function html(method, accept) {
  return (method === 'GET' || method === 'HEAD') && /text\/html/i.test(accept);
}

// local makes a path a local one: "//host/x" would leave the site when
// used as a redirect target, by the gate or the login page's next.
function local(path) { return '/' + path.replace(/^[\/\\]+/, ''); }

function login(target) { return '/login/?next=' + encodeURIComponent(local(target)); }
