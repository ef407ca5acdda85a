/* dossier search: client for the index built by src/render/search.rs.
 *
 * The tokenizer, query-term rules, index format and scoring are specified in
 * the doc comment of search.rs; this file mirrors them exactly (checked by
 * tests_data/check_tokens.mjs and tests_data/check_query.mjs).
 *
 * Page contract (plain DOM, no framework, no build step):
 *   <script src="{root}static/search.js" data-root="{root}" defer></script>
 *     data-root (on the script or on <html>) is the site root relative to
 *     this page, e.g. "../"; the index lives at {root}search/.
 *   <input data-search-input> (or id="search-input"): the search box. In a
 *     header, wrap it in <form action="{root}search/"> with name="q" so Enter
 *     opens the search page.
 *   Search page only: <ul id="search-results">, optional <p id="search-status">
 *     and <div id="search-filters"> (filter selects are created there). Other
 *     pages get a dropdown <ul id="search-results" class="search-dropdown">.
 * Behaviour: reads ?q= (and ?type=&tier=&status=&region=&owner=) on the search
 * page, searches as you type (80 ms debounce), keeps the URL shareable with
 * history.replaceState, "/" focuses the box. Results are built with
 * createElement/textContent/<mark> only (never innerHTML).
 * Test hooks on <body>: data-search-state = loading|done|error|idle,
 * data-search-ms = ms from the (debounced) query to rendered results minus
 * time spent waiting for the network (i.e. compute + render after data
 * arrived), data-search-total-ms (including network), data-search-count
 * (matches known: exact if data-search-complete is "true", else a lower
 * bound), data-search-bytes (index bytes fetched by this page so far).
 * file://: browsers block fetch() of local files, so search shows a message
 * asking for `dossier serve`; there is no JSONP fallback (the index stays
 * plain JSON).
 * Language level: ES2017 plus Unicode property escapes (\p{…}, ES2018), which
 * the tokenizer needs; every evergreen browser has them.
 */
(function (global) {
  'use strict';

  // ------------------------------------------------------------ tokenizer

  const MAX_WORD_CHARS = 40;
  const ALNUM = /^[\p{Alphabetic}\p{N}]$/u;
  const ASCII = /^[\x00-\x7f]*$/;

  /** NFKD, per-code-point lowercase, drop U+0300–U+036F, NFC. */
  function normalize(text) {
    if (ASCII.test(text)) return text.toLowerCase();
    let out = '';
    for (const ch of text.normalize('NFKD')) out += ch.toLowerCase();
    return out.replace(/[\u0300-\u036f]/g, '').normalize('NFC');
  }

  function isAlnum(ch) {
    const c = ch.codePointAt(0);
    if (c < 128) return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
    return ALNUM.test(ch);
  }

  // Same ranges as is_cjk in search.rs.
  const CJK_RANGES = [
    [0x1100, 0x11ff], [0x3005, 0x3007], [0x3040, 0x30ff], [0x3130, 0x318f],
    [0x31f0, 0x31ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa960, 0xa97f],
    [0xac00, 0xd7ff], [0xf900, 0xfaff], [0xff66, 0xff9f], [0x20000, 0x3ffff],
  ];
  function isCjk(ch) {
    const c = ch.codePointAt(0);
    if (c < 0x1100) return false;
    for (const [lo, hi] of CJK_RANGES) if (c >= lo && c <= hi) return isAlnum(ch);
    return false;
  }

  /** Words ({word}) and CJK runs ({cjk: [chars]}) of normalised text. */
  function pieces(text) {
    const out = [];
    let word = '', wordChars = 0, run = [];
    for (const ch of normalize(text)) {
      const cjk = isCjk(ch);
      const wc = !cjk && isAlnum(ch);
      if (!wc && wordChars > 0) { out.push({ word }); word = ''; wordChars = 0; }
      if (!cjk && run.length) { out.push({ cjk: run }); run = []; }
      if (cjk) run.push(ch);
      else if (wc) { if (wordChars < MAX_WORD_CHARS) word += ch; wordChars++; }
    }
    if (wordChars > 0) out.push({ word });
    if (run.length) out.push({ cjk: run });
    return out;
  }

  /** [{term, pos}]: words, CJK unigrams and overlapping bigrams. */
  function tokenize(text) {
    const out = [];
    let pos = 0;
    for (const p of pieces(text)) {
      if (p.word !== undefined) { out.push({ term: p.word, pos: pos++ }); continue; }
      p.cjk.forEach((c, i) => {
        out.push({ term: c, pos });
        if (i + 1 < p.cjk.length) out.push({ term: c + p.cjk[i + 1], pos });
        pos++;
      });
    }
    return out;
  }

  /** [{text, prefix, alt}]: words (prefix if >= prefixMin chars; alt = the
   *  singular: 5+ chars "ies" -> "y", else 4+ chars "s" (not "ss") dropped);
   *  a CJK run is its unigram if 1 char long, else its bigrams; no duplicates. */
  function queryTerms(q, prefixMin = 3) {
    const out = [];
    const push = (text, prefix, alt) => { if (!out.some((t) => t.text === text)) out.push({ text, prefix, alt }); };
    for (const p of pieces(q)) {
      if (p.word !== undefined) {
        const w = p.word, chars = Array.from(w).length;
        const alt = chars >= 5 && w.endsWith('ies') ? w.slice(0, -3) + 'y'
          : chars >= 4 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : null;
        push(w, chars >= prefixMin, alt);
      } else if (p.cjk.length === 1) push(p.cjk[0], false, null);
      else for (let i = 0; i + 1 < p.cjk.length; i++) push(p.cjk[i] + p.cjk[i + 1], false, null);
    }
    return out;
  }

  // ------------------------------------------------------------ index codec

  const DIGIT = new Int8Array(128).fill(-1);
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    .split('').forEach((c, i) => { DIGIT[c.charCodeAt(0)] = i; });

  function decodePostings(s) {
    const docs = [], q = [], title = [];
    let i = 0, doc = 0;
    while (i < s.length) {
      let v = 0, d;
      do { d = DIGIT[s.charCodeAt(i++)]; v = v * 32 + (d & 31); } while (d & 32);
      doc += Math.floor(v / 2);
      docs.push(doc);
      title.push(v % 2 === 1);
      q.push(DIGIT[s.charCodeAt(i)] * 64 + DIGIT[s.charCodeAt(i + 1)]);
      i += 2;
    }
    return { docs, q, title };
  }

  function decodeDocs(s) {
    const out = [];
    let i = 0, doc = 0;
    while (i < s.length) {
      let v = 0, d;
      do { d = DIGIT[s.charCodeAt(i++)]; v = v * 32 + (d & 31); } while (d & 32);
      doc += v;
      out.push(doc);
    }
    return out;
  }

  /** Code point order (= Rust's str order); JS `<` compares UTF-16 units. */
  const fixUnit = (u) => (u >= 0xd800 ? (u >= 0xe000 ? u - 0x800 : u + 0x2000) : u);
  function cmp(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a.charCodeAt(i), y = b.charCodeAt(i);
      if (x !== y) return fixUnit(x) < fixUnit(y) ? -1 : 1;
    }
    return a.length - b.length;
  }

  /** First index in sorted `xs` whose key(x) is > t (ge = false) or >= t. */
  function bound(xs, t, key, ge) {
    let lo = 0, hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1, c = cmp(key(xs[mid]), t);
      if (c < 0 || (!ge && c === 0)) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  const nth = (names, i) => names.substr(i * 16, 16);
  const FACETS = ['type', 'tier', 'status', 'region', 'owner'];

  // ------------------------------------------------------------ engine

  /**
   * Query engine over an index reachable through `load(path)` (a promise of
   * the parsed JSON at a site-root-relative path). Results equal search.rs's
   * `query_filtered` top `limit`.
   */
  function createEngine(load) {
    const cache = new Map();
    const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
    function get(path) {
      let p = cache.get(path);
      if (!p) {
        p = Promise.resolve().then(() => load(path));
        cache.set(path, p);
        p.catch(() => cache.delete(path)); // allow a retry
      }
      return p;
    }
    // Awaits files, adding wall time during which any fetch of this query was
    // pending to stats.waitMs (parallel waits are counted once).
    async function fetchAll(paths, stats) {
      if (stats && !stats.pending++) stats.since = now();
      try { return await Promise.all(paths.map(get)); } finally {
        if (stats && !--stats.pending) stats.waitMs += now() - stats.since;
      }
    }
    const manifest = (stats) => fetchAll(['search/manifest.json'], stats).then((r) => r[0]);
    const decoded = (e) => e.dec || (e.dec = decodePostings(e[2]));

    // Expansions of one query term: the exact term and its singular (factor
    // 1) and up to prefix_max prefix matches (by df desc, term asc) from at
    // most prefix_shards shards.
    async function resolve(m, qt, stats) {
      const keys = m.shard_keys;
      const shardOf = (t) => bound(keys, t, (k) => k, false) - 1;
      const start = shardOf(qt.text);
      let end = start;
      while (qt.prefix && end + 1 < keys.length && end + 1 < start + m.prefix_shards &&
        keys[end + 1].startsWith(qt.text)) end++;
      const ids = new Set();
      if (qt.alt) ids.add(shardOf(qt.alt));
      for (let i = start; i <= end; i++) ids.add(i);
      const paths = [...ids].map((i) => 'search/t/' + nth(m.shards, i) + '.json');
      const exact = [], pre = [];
      for (const shard of await fetchAll(paths, stats)) {
        const ts = shard.terms;
        if (qt.alt) {
          const i = bound(ts, qt.alt, (e) => e[0], true);
          if (i < ts.length && ts[i][0] === qt.alt) exact.push(ts[i]);
        }
        for (let i = bound(ts, qt.text, (e) => e[0], true); i < ts.length; i++) {
          if (ts[i][0] === qt.text) exact.push(ts[i]);
          else if (qt.prefix && ts[i][0].startsWith(qt.text)) pre.push(ts[i]);
          else break;
        }
      }
      pre.sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]));
      const mk = (e, factor) => {
        const df = e[1], head = decoded(e);
        return {
          df, factor, head, tail: e[3] || null, full: null,
          idf: Math.log(1 + (m.docs - df + 0.5) / (df + 0.5)),
          minQ: Math.min(...head.q),
        };
      };
      const exps = exact.map((e) => mk(e, 1));
      for (const e of pre.slice(0, m.prefix_max)) exps.push(mk(e, m.prefix_factor));
      return exps;
    }

    async function loadTails(groups, stats) {
      const need = [].concat(...groups).filter((e) => e.tail && !e.full);
      const tails = await fetchAll(need.map((e) => 'search/p/' + e.tail + '.json'), stats);
      need.forEach((e, i) => {
        const t = decodePostings(tails[i][1]);
        e.full = { docs: e.head.docs.concat(t.docs), q: e.head.q.concat(t.q), title: e.head.title.concat(t.title) };
      });
    }

    async function filterSets(m, filters, stats) {
      const active = Object.entries(filters || {}).filter(([, v]) => v);
      const files = active.map(([name, value]) => {
        const f = m.facets.find((x) => x.name === name);
        const v = f && f.values.find((x) => x[0] === value);
        return v ? 'search/f/' + v[2] + '.json' : null;
      });
      if (files.includes(null)) return [new Set()];
      return (await fetchAll(files, stats)).map((f) => f.set || (f.set = new Set(decodeDocs(f.docs))));
    }

    // Scores docs from what is loaded. A term whose tail is not loaded may
    // still add up to U (its best possible tail score) to any doc missing
    // from its head; `final` says the top `limit` cannot change by loading
    // tails (threshold algorithm).
    function evaluate(m, groups, and, sets, limit) {
      const tb = m.title_boost;
      const terms = groups.map((g) => {
        const map = new Map();
        let U = 0;
        for (const e of g) {
          const l = e.full || e.head;
          if (!e.full && e.tail) U = Math.max(U, e.factor * e.idf * (e.minQ / 1000));
          for (let i = 0; i < l.docs.length; i++) {
            const s = e.factor * e.idf * (l.q[i] / 1000), c = map.get(l.docs[i]);
            if (!c) map.set(l.docs[i], { s, t: l.title[i] });
            else { if (s > c.s) c.s = s; c.t = c.t || l.title[i]; }
          }
        }
        return { map, U };
      });
      const cand = new Set();
      for (const t of terms) for (const d of t.map.keys()) cand.add(d);
      const exact = [];
      let upper = 0;
      for (const d of cand) {
        if (sets.some((s) => !s.has(d))) continue;
        let known = 0, allTitle = true, missingU = 0, partial = false, reject = false;
        for (const t of terms) {
          const c = t.map.get(d);
          if (c) { known += c.s; allTitle = allTitle && c.t; continue; }
          allTitle = false;
          if (t.U > 0) { partial = true; missingU += t.U; } else if (and) { reject = true; break; }
        }
        if (reject) continue;
        if (partial) upper = Math.max(upper, (known + missingU) * tb);
        else exact.push({ doc: d, score: allTitle ? known * tb : known });
      }
      // A doc seen in no head at all.
      const unseen = and ? terms.every((t) => t.U > 0) : terms.some((t) => t.U > 0);
      if (unseen) upper = Math.max(upper, terms.reduce((a, t) => a + t.U, 0) * tb);
      exact.sort((a, b) => b.score - a.score || a.doc - b.doc);
      const complete = upper === 0;
      const final = complete || (exact.length >= limit && exact[limit - 1].score > upper);
      return { exact, final, complete };
    }

    /** {hits: [{doc, score}], count, complete, mode: 'and'|'or', terms}. */
    async function search(q, opts = {}) {
      const { filters = {}, limit = 10, stats = { waitMs: 0, pending: 0 } } = opts;
      const m = await manifest(stats);
      const terms = queryTerms(q, m.prefix_min);
      if (!terms.length) return { hits: [], count: 0, complete: true, mode: 'and', terms };
      const groups = await Promise.all(terms.map((t) => resolve(m, t, stats)));
      const sets = await filterSets(m, filters, stats);
      const run = async (and) => {
        let r = evaluate(m, groups, and, sets, limit);
        if (!r.final) { await loadTails(groups, stats); r = evaluate(m, groups, and, sets, limit); }
        return r;
      };
      let mode = 'and', r = await run(true);
      if (!r.exact.length) { mode = 'or'; r = await run(false); }
      return { hits: r.exact.slice(0, limit), count: r.exact.length, complete: r.complete, mode, terms };
    }

    /** Metadata of docs by number: {kind, url, title, account, facets, excerpts}. */
    async function docs(nums, stats) {
      const m = await manifest(stats);
      const ids = [...new Set(nums.map((n) => Math.floor(n / m.doc_chunk)))];
      const chunks = await fetchAll(ids.map((i) => 'search/d/' + m.doc_files + '-' + i + '.json'), stats);
      const byId = new Map(ids.map((id, i) => [id, chunks[i]]));
      return nums.map((n) => decodeChunk(m, byId.get(Math.floor(n / m.doc_chunk)))[n % m.doc_chunk]);
    }

    function decodeChunk(m, ch) {
      if (ch.dec) return ch.dec;
      const val = (k, i) => (i >= 0 ? m.facets[k].values[i][0] : '');
      let prev = '';
      ch.dec = ch.docs.map((r) => {
        const url = Array.from(prev).slice(0, r[1]).join('') + r[2];
        prev = url;
        return {
          kind: m.kinds[r[0]], url, title: r[3], account: r[4] >= 0 ? ch.accounts[r[4]] : '',
          facets: { tier: val(1, r[5]), status: val(2, r[6]), region: val(3, r[7]), owner: val(4, r[8]) },
          excerpts: { contact: r[9], heading: r[10], body: r[11] },
        };
      });
      return ch.dec;
    }

    return { search, docs, manifest };
  }

  // ------------------------------------------------------------ highlighting

  /** [start, end) UTF-16 ranges of `text` matching query terms: whole words
   *  equal to (or, for prefix terms, starting with) a term; CJK substrings. */
  function markRanges(text, terms) {
    const norm = [];
    let i = 0;
    for (const ch of text) {
      for (const c of normalize(ch)) norm.push({ c, s: i, e: i + ch.length });
      i += ch.length;
    }
    const ranges = [];
    let k = 0;
    while (k < norm.length) {
      const cjk = isCjk(norm[k].c);
      if (!cjk && !isAlnum(norm[k].c)) { k++; continue; }
      let j = k;
      while (j < norm.length && isCjk(norm[j].c) === cjk && (cjk || isAlnum(norm[j].c))) j++;
      const run = norm.slice(k, j).map((x) => x.c);
      if (cjk) {
        for (const t of terms) {
          const tc = Array.from(t.text);
          if (!isCjk(tc[0])) continue;
          for (let p = 0; p + tc.length <= run.length; p++) {
            if (tc.every((c, x) => run[p + x] === c)) ranges.push([norm[k + p].s, norm[k + p + tc.length - 1].e]);
          }
        }
      } else {
        const w = run.slice(0, MAX_WORD_CHARS).join('');
        if (terms.some((t) => w === t.text || w === t.alt || (t.prefix && w.startsWith(t.text)))) {
          ranges.push([norm[k].s, norm[j - 1].e]);
        }
      }
      k = j;
    }
    ranges.sort((a, b) => a[0] - b[0]);
    const merged = [];
    for (const r of ranges) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]); else merged.push(r.slice());
    }
    return merged;
  }

  // ------------------------------------------------------------ UI

  const CURRENT_SCRIPT = typeof document !== 'undefined' ? document.currentScript : null;
  const PAGE = 10;
  const KIND_LABEL = { account: 'Account', contact: 'Contact', plan: 'Plan', review: 'Review', guide: 'Guide' };
  const FACET_LABEL = { type: 'Type', tier: 'Tier', status: 'Status', region: 'Region', owner: 'Owner' };

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function appendHighlighted(parent, text, terms) {
    let pos = 0;
    for (const [s, e] of markRanges(text, terms)) {
      if (s > pos) parent.append(document.createTextNode(text.slice(pos, s)));
      parent.append(el('mark', '', text.slice(s, e)));
      pos = e;
    }
    if (pos < text.length) parent.append(document.createTextNode(text.slice(pos)));
    return parent;
  }

  function initUI() {
    const input = document.querySelector('[data-search-input]') || document.getElementById('search-input');
    if (!input) return;
    const fromScript = CURRENT_SCRIPT && CURRENT_SCRIPT.getAttribute('data-root');
    const attr = fromScript !== null && fromScript !== undefined ? fromScript
      : document.documentElement.getAttribute('data-root') || '';
    const root = attr && !attr.endsWith('/') ? attr + '/' : attr;
    const body = document.body.dataset;
    let list = document.getElementById('search-results');
    const searchPage = !!list;
    if (!list) {
      list = el('ul', 'search-dropdown');
      list.id = 'search-results';
      list.hidden = true;
      (input.form || input).insertAdjacentElement('afterend', list);
    }
    let status = document.getElementById('search-status');
    if (!status) {
      status = el('p', 'search-status');
      status.id = 'search-status';
      status.setAttribute('aria-live', 'polite');
      list.insertAdjacentElement('beforebegin', status);
    }
    const filterBox = searchPage ? document.getElementById('search-filters') : null;
    const selects = {};
    let bytes = 0;

    const engine = createEngine(async (path) => {
      const res = await fetch(root + path, path.endsWith('manifest.json') ? { cache: 'no-cache' } : {});
      if (!res.ok) throw new Error(`HTTP ${res.status} for ${path}`);
      const buf = await res.arrayBuffer();
      bytes += buf.byteLength;
      return JSON.parse(new TextDecoder().decode(buf));
    });

    const params = new URLSearchParams(location.search);
    const filters = () => {
      const f = {};
      for (const [name, s] of Object.entries(selects)) if (s.value) f[name] = s.value;
      return f;
    };

    function buildFilters(m) {
      if (!filterBox || filterBox.childElementCount) return;
      for (const name of FACETS) {
        const facet = m.facets.find((f) => f.name === name);
        if (!facet || !facet.values.length) continue;
        const label = el('label', 'search-filter', FACET_LABEL[name] + ' ');
        const s = el('select');
        s.name = name;
        s.append(new Option('All', ''));
        for (const [value, count] of facet.values) {
          s.append(new Option(`${name === 'type' ? KIND_LABEL[value] || value : value} (${count})`, value));
        }
        s.value = params.get(name) || '';
        s.addEventListener('change', () => { limit = PAGE; run(); });
        label.append(s);
        filterBox.append(label);
        selects[name] = s;
      }
    }

    function showError(e) {
      list.textContent = '';
      status.textContent = location.protocol === 'file:'
        ? 'Search needs the site to be served over http(s); run `dossier serve`.'
        : `Search is unavailable: ${e && e.message ? e.message : e}`;
      body.searchState = 'error';
    }

    function updateUrl(q) {
      if (!searchPage) return;
      const u = new URL(location.href);
      if (q) u.searchParams.set('q', q); else u.searchParams.delete('q');
      for (const name of FACETS) {
        const v = selects[name] && selects[name].value;
        if (v) u.searchParams.set(name, v); else u.searchParams.delete(name);
      }
      try { history.replaceState(history.state, '', u); } catch (_) { /* file:// in some browsers */ }
    }

    function render(r, docs, q) {
      list.textContent = '';
      docs.forEach((d, i) => {
        const li = el('li', 'search-result');
        li.dataset.url = d.url;
        li.dataset.score = r.hits[i].score.toFixed(4);
        const head = el('div', 'search-result-head');
        head.append(el('span', 'search-kind', KIND_LABEL[d.kind] || d.kind), ' ');
        const a = appendHighlighted(el('a', 'search-title'), d.title, r.terms);
        a.href = root + d.url;
        head.append(a);
        li.append(head);
        const meta = [d.account !== d.title ? d.account : '', d.facets.tier, d.facets.status, d.facets.region, d.facets.owner]
          .filter(Boolean).join(' · ');
        if (meta) li.append(el('div', 'search-meta', meta));
        // Snippet: the excerpt with the most matches (body first on ties).
        let best = '', bestN = -1;
        for (const ex of [d.excerpts.body, d.excerpts.heading, d.excerpts.contact]) {
          const n = ex ? markRanges(ex, r.terms).length : -1;
          if (n > bestN) { best = ex; bestN = n; }
        }
        if (best) li.append(appendHighlighted(el('p', 'search-snippet'), best, r.terms));
        list.append(li);
      });
      const n = `${r.count}${r.complete ? '' : '+'}`;
      status.textContent = r.count
        ? `${n} result${r.count === 1 && r.complete ? '' : 's'} for “${q}”${r.mode === 'or' ? ' (matching some words)' : ''}`
        : `No results for “${q}”`;
      if (r.hits.length === limit && (r.count > limit || !r.complete)) {
        const li = el('li', 'search-more');
        const b = el('button', '', 'More results');
        b.type = 'button';
        b.addEventListener('click', () => { limit += PAGE; run(); });
        li.append(b);
        list.append(li);
      }
      list.hidden = !searchPage && !docs.length;
    }

    let seq = 0, timer = 0, limit = PAGE;
    async function run() {
      const my = ++seq, q = input.value.trim();
      updateUrl(q);
      if (!q) {
        list.textContent = '';
        list.hidden = !searchPage;
        status.textContent = '';
        body.searchState = 'idle';
        return;
      }
      body.searchState = 'loading';
      const t0 = performance.now(), stats = { waitMs: 0, pending: 0 };
      try {
        if (searchPage) buildFilters(await engine.manifest(stats));
        const r = await engine.search(q, { filters: filters(), limit, stats });
        const docs = await engine.docs(r.hits.map((h) => h.doc), stats);
        if (my !== seq) return; // a newer query is running
        render(r, docs, q);
        const total = performance.now() - t0;
        body.searchMs = (total - stats.waitMs).toFixed(1);
        body.searchTotalMs = total.toFixed(1);
        body.searchCount = String(r.count);
        body.searchComplete = String(r.complete);
        body.searchBytes = String(bytes);
        body.searchState = 'done';
      } catch (e) {
        if (my === seq) showError(e);
      }
    }

    input.addEventListener('input', () => {
      clearTimeout(timer);
      limit = PAGE;
      timer = setTimeout(run, 80);
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !searchPage) list.hidden = true;
      if (e.key === 'Enter' && !searchPage && !input.form) {
        location.href = root + 'search/?q=' + encodeURIComponent(input.value.trim());
      }
    });
    document.addEventListener('keydown', (e) => {
      const t = e.target;
      const typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
      if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        input.focus();
        input.select();
      }
    });
    if (searchPage) {
      input.value = params.get('q') || input.value;
      if (input.value.trim()) run();
      else engine.manifest().then(buildFilters, showError);
    }
  }

  const api = { normalize, tokenize, queryTerms, isCjk, markRanges, decodePostings, decodeDocs, cmp, createEngine };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  global.DossierSearch = api;
  if (typeof document !== 'undefined') {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', initUI);
    else initUI();
  }
})(typeof globalThis !== 'undefined' ? globalThis : this);
