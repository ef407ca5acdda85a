// Loads search.js (CommonJS-style export) from the scratch crate or the main crate layout.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
const candidates = ['../static/search.js', '../themes/default/static/search.js'].map((p) => path.join(here, p));
const file = candidates.find((p) => existsSync(p));
if (!file) throw new Error('search.js not found in ' + candidates.join(', '));
export const S = createRequire(import.meta.url)(file);
