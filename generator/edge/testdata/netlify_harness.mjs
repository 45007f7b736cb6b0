// Runs the generated Netlify Edge Function under Deno for edge_test.go:
// deno run --allow-read harness.mjs FUNCTION.js INPUT.json prints one JSON
// result per op of INPUT. Deno is the Edge Functions' runtime; Netlify's
// own globals are stubbed: Netlify.env.get (the site's environment), the
// context's next() (the static file: a page with a public Cache-Control),
// and fetch (the site's /404.html, the only URL the function fetches).
const [codePath, inputPath] = Deno.args;
const input = JSON.parse(await Deno.readTextFile(inputPath));
const env = { key: input.key };
globalThis.Netlify = { env: { get: (name) => (name === input.keyEnv ? env.key : undefined) } };
const fetched = [];
globalThis.fetch = async (url) => {
  fetched.push(String(url));
  return new Response('<h1>Page not found</h1>', { headers: { 'content-type': 'text/html; charset=utf-8' } });
};
Date.now = () => input.now * 1000;
const mod = await import(new URL('file://' + codePath));

const hex = (s) => (s === null ? null : Array.from(s, (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
const out = [];
for (const op of input.ops) {
  env.key = 'key' in op ? op.key : input.key;
  fetched.length = 0;
  switch (op.op) {
    case 'config':
      out.push({ config: mod.config });
      break;
    case 'normalize':
      out.push({ key: hex(mod.__test.normalize(op.path)) });
      break;
    case 'verify':
      out.push({ claims: await mod.__test.verify(op.token, input.now, mod.__test.sig) });
      break;
    case 'request':
      out.push(await request(op));
      break;
    case 'bench':
      out.push(await bench(op));
      break;
    default:
      throw new Error('unknown op ' + op.op);
  }
}
console.log(JSON.stringify(out));

function context() {
  const ctx = { nexts: 0 };
  ctx.next = async () => {
    ctx.nexts++;
    return new Response('the page', { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'public, max-age=0, must-revalidate' } });
  };
  return ctx;
}

async function request(op) {
  const ctx = context();
  const res = await mod.default(new Request(op.url, { method: op.method, headers: op.headers }), ctx);
  if (res === undefined) return { kind: 'bypass', nexts: ctx.nexts };
  if (res instanceof URL) return { kind: 'rewrite', url: String(res) };
  return {
    kind: 'response', status: res.status, headers: Object.fromEntries(res.headers), body: await res.text(),
    nexts: ctx.nexts, fetched: [...fetched],
  };
}

async function bench(op) {
  const res = { verify: [], request: [] };
  for (let round = 0; round <= op.rounds; round++) {
    let t = performance.now();
    for (let i = 0; i < op.n; i++) if (!(await mod.__test.verify(op.token, input.now, mod.__test.sig))) throw new Error('bench token refused');
    const v = ((performance.now() - t) * 1e6) / op.n;
    t = performance.now();
    for (let i = 0; i < op.n; i++) {
      const r = await mod.default(new Request(op.url, { headers: op.headers }), context());
      await r.text();
    }
    const r = ((performance.now() - t) * 1e6) / op.n;
    if (round > 0) res.verify.push(v), res.request.push(r);
  }
  return res;
}
