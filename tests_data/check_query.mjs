// Runs search.js's engine over tests_data/fixture (tiny heads and shards, so
// tails and multi-shard prefixes are exercised) and compares with the
// reference results of search.rs in queries.json: node tests_data/check_query.mjs
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { S, here } from './load_search.mjs';

const root = path.join(here, 'fixture');
const loaded = [];
const engine = S.createEngine(async (p) => {
  loaded.push(p);
  return JSON.parse(readFileSync(path.join(root, p), 'utf8'));
});
const cases = JSON.parse(readFileSync(path.join(here, 'queries.json'), 'utf8'));
let passed = 0, failed = 0;
for (const c of cases) {
  const before = loaded.filter((p) => p.startsWith('search/p/')).length;
  const r = await engine.search(c.q, { filters: c.filters, limit: c.limit });
  const docs = await engine.docs(r.hits.map((h) => h.doc));
  const got = docs.map((d, i) => [d.url, r.hits[i].score]);
  const ok = got.length === c.results.length &&
    got.every(([u, s], i) => u === c.results[i][0] && Math.abs(s - c.results[i][1]) <= 1e-9 * Math.max(1, s));
  const tails = loaded.filter((p) => p.startsWith('search/p/')).length - before;
  if (ok) passed++;
  else {
    failed++;
    console.log(`FAIL ${JSON.stringify(c.q)} ${JSON.stringify(c.filters)}\n  rust ${JSON.stringify(c.results)}\n  js   ${JSON.stringify(got)}`);
  }
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${JSON.stringify(c.q)} filters=${JSON.stringify(c.filters)} limit=${c.limit}: ${got.length} hits (count ${r.count}${r.complete ? '' : '+'}, ${r.mode}, ${tails} tail files fetched)`);
}
console.log(`queries: ${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);
