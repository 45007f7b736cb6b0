// Runs the generated CloudFront Function under Node for edge_test.go:
// node cloudfront_harness.mjs FUNCTION.js INPUT.json prints one JSON
// result per op of INPUT. Node stands in for cloudfront-js-2.0: its
// crypto and Buffer for CloudFront's, and a stub for the cloudfront
// module's KeyValueStore (kvs() with get(name)), which can be told to
// fail or to hold another key. The function's code runs as written, but
// for its two import lines, which become parameters.
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';

const [codePath, inputPath] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputPath, 'utf8'));
const imports = "import crypto from 'crypto';\nimport cf from 'cloudfront';\n";
let code = readFileSync(codePath, 'utf8');
if (!code.startsWith(imports)) throw new Error('the function does not start with its two imports');
code = code.slice(imports.length);

const kvs = { key: input.key, down: false, gets: 0 };
const cf = {
  kvs() {
    return {
      async get(name) {
        kvs.gets++;
        if (kvs.down) throw new Error('KeyValueStore unavailable');
        if (name !== input.kvsKey) throw new Error('no key ' + name);
        return kvs.key;
      },
    };
  },
};
const gate = new Function('crypto', 'cf', 'Buffer', code + '\nreturn { handler, normalize, verify, sig };')(crypto, cf, Buffer);
Date.now = () => input.now * 1000;

const hex = (s) => (s === null ? null : Buffer.from(s, 'latin1').toString('hex'));
const out = [];
for (const op of input.ops) {
  kvs.key = 'key' in op ? op.key : input.key;
  kvs.down = !!op.kvsDown;
  kvs.gets = 0;
  switch (op.op) {
    case 'normalize':
      out.push({ key: hex(gate.normalize(op.path)) });
      break;
    case 'verify':
      out.push({ claims: await gate.verify(op.token, input.now, gate.sig) });
      break;
    case 'request': {
      const res = await gate.handler(structuredClone(op.event));
      out.push({ result: res, kvsGets: kvs.gets });
      break;
    }
    case 'bench':
      out.push(await bench(op));
      break;
    default:
      throw new Error('unknown op ' + op.op);
  }
}
process.stdout.write(JSON.stringify(out));

// bench times verify and a whole gated request: ns per cookie in each of
// op.rounds rounds of op.n, after one round of warm-up.
async function bench(op) {
  const res = { verify: [], request: [] };
  for (let round = 0; round <= op.rounds; round++) {
    let t = process.hrtime.bigint();
    for (let i = 0; i < op.n; i++) if (!(await gate.verify(op.token, input.now, gate.sig))) throw new Error('bench token refused');
    const v = Number(process.hrtime.bigint() - t) / op.n;
    t = process.hrtime.bigint();
    for (let i = 0; i < op.n; i++) await gate.handler(structuredClone(op.event));
    const r = Number(process.hrtime.bigint() - t) / op.n;
    if (round > 0) res.verify.push(v), res.request.push(r);
  }
  return res;
}
