// Asserts search.js tokenizes exactly like search.rs: node tests_data/check_tokens.mjs
// (tokens.json is written by the Rust test `write_token_cross_check`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { S, here } from './load_search.mjs';

const cases = JSON.parse(readFileSync(path.join(here, 'tokens.json'), 'utf8'));
let passed = 0, failed = 0;
for (const c of cases) {
  const got = {
    normalized: S.normalize(c.input),
    tokens: S.tokenize(c.input).map((t) => [t.term, t.pos]),
    query_terms: S.queryTerms(c.input).map((t) => [t.text, t.prefix, t.alt]),
  };
  const bad = Object.keys(got).filter((k) => JSON.stringify(got[k]) !== JSON.stringify(c[k]));
  if (bad.length) {
    failed++;
    for (const k of bad) console.log(`FAIL ${JSON.stringify(c.input)} ${k}\n  rust ${JSON.stringify(c[k])}\n  js   ${JSON.stringify(got[k])}`);
  } else passed++;
}
console.log(`tokens: ${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);
