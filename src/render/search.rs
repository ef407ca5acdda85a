//! Client-side full-text search: index builder (this file) and browser runtime
//! (`themes/default/static/search.js`), which share the contract below.
//!
//! # Tokenizer (implemented identically in `search.js`; cross-checked by
//! `tests_data/check_tokens.mjs` against `tests_data/tokens.json`)
//!
//! 1. Normalise: NFKD, lowercase each char with `char::to_lowercase` (JS:
//!    per-code-point `toLowerCase()`, so no context-dependent final sigma),
//!    drop U+0300–U+036F (combining diacritics: `café` = `cafe`, `İ` = `i`),
//!    then NFC. Net effect: NFKC + lowercase + Latin accent folding, so
//!    full-width `ＡＢＣ１２３` becomes `abc123`. Pure-ASCII text takes a fast path
//!    with the same result.
//! 2. Scan chars. A char is a *word char* if `char::is_alphanumeric` (JS:
//!    `[\p{Alphabetic}\p{N}]`). A word char in the CJK ranges of [`is_cjk`]
//!    (Han, Hiragana, Katakana, Hangul, iteration marks; punctuation is never
//!    alphanumeric, so `。、・「」` are separators) is a *CJK char*; everything else
//!    separates.
//! 3. A run of non-CJK word chars is one word token (Latin, Cyrillic, digits…;
//!    `q3`, `2026`). Only its first [`MAX_WORD_CHARS`] chars are kept. No stemming.
//! 4. A run of CJK chars emits each char as a unigram and each adjacent pair
//!    as an (overlapping) bigram: `华东精` → 华 华东 东 东精 精. Runs never span a
//!    separator or a word (`华东 精密` has no `东精`).
//! 5. Positions: each word and each CJK char takes the next position; a
//!    bigram shares the position of its first char.
//!
//! Query terms ([`query_terms`]): words are kept; a CJK run of one char is its
//! unigram, a longer run becomes its bigrams (so `精密` needs the bigram 精密 and
//! finds `华东精密机械有限公司`). Words of at least `prefix_min` (3) chars also
//! match as prefixes (`renew` finds `renewal`, `acm` finds `acme`). There is no
//! stemmer; instead a query word of at least 4 chars ending in `s` (not `ss`)
//! also matches its singular exactly: `ies` → `y` (5+ chars), else drop the
//! `s` (`renewals` finds `renewal`, `companies` finds `company`). Duplicate
//! terms are dropped.
//!
//! # Ranking
//!
//! BM25F with k1 = 1.2, b = 0.75 and per-field boosts [`Field::boost`]
//! (Name 8, Contact 4, Heading 2, Body 1; the doc title is indexed as Name).
//! Per (term, doc): `tf~ = Σ_f boost_f·tf_f / (1 − b + b·len_f/avglen_f)`,
//! `w = tf~·(k1+1)/(tf~+k1)`, stored as `q = round(1000·w)` (1..=2200), so the
//! browser needs no document lengths. At query time
//! `idf = ln(1 + (N − df + 0.5)/(df + 0.5))` and a query term's score in a doc is
//! the max over its matching dictionary terms of `factor·idf·q/1000` (factor 1
//! for the exact term and its singular, `prefix_factor` 0.5 for prefix
//! expansions). A doc's
//! score is the sum over query terms (in query order); it is multiplied by
//! `title_boost` (1.5) when every query term occurs in its title. Semantics:
//! AND over query terms; if nothing matches, OR. Ties: lower doc number first.
//! [`query`] is the exact reference implementation; `search.js` computes the same
//! top k from the heads of long posting lists and only fetches tails when the
//! heads cannot prove the top k (threshold-algorithm bound).
//!
//! # Index format (all paths relative to the site root; all JSON, UTF-8)
//!
//! Every file but the manifest is named by an FNV-1a-64 hash (16 hex digits):
//! of its bytes, or for doc chunks of everything they are made of, so it can be
//! cached forever; output is deterministic
//! (everything sorted, no hash-map order leaks). Number encodings use the
//! base64url alphabet `A–Z a–z 0–9 - _` ("digit" = 0..63). A *varint* is
//! big-endian 5-bit groups, one digit each, bit 5 set on all but the last.
//!
//! * `search/manifest.json` (un-hashed, small, no per-doc data; fetch it
//!   with revalidation): `{"v":1, "docs":N, "k1", "b",
//!   "boosts":[name,contact,heading,body], "avg_len":[same order],
//!   "head":H, "prefix_min", "prefix_shards", "prefix_max", "prefix_factor",
//!   "title_boost", "shard_keys":[key…], "shards":"<hash><hash>…",
//!   "doc_chunk":C, "doc_files":"<hash>" (chunk i is d/<hash>-<i>.json), "kinds":[…],
//!   "facets":[{"name":…, "values":[[value,count,hash]…]}…]}`. The two hash
//!   lists are concatenations of 16-digit names (the i-th is at `16·i`),
//!   which saves ~20% of the manifest at 50k docs. `facets` is in the order
//!   type, tier, status, region, owner; values sorted ("" = n/a is omitted);
//!   type values follow `kinds`.
//! * Term shards `search/t/<hash>.json`: `{"v":1,"terms":[[term,df,postings(,tail)]…]}`,
//!   terms sorted by code point (= Rust `str` order; JS compares UTF-16 units,
//!   so search.js uses its own `cmp`). Shards are contiguous ranges of the
//!   sorted dictionary rather than hash buckets: an exact lookup is still one
//!   fetch (shard i holds terms `>= shard_keys[i]` and `< shard_keys[i+1]`; keys
//!   are shortest separators, the first is `""`), and all terms sharing a
//!   prefix sit in one shard or a few adjacent ones, so prefix matching costs
//!   no extra download. A shard is closed before it would exceed ~20 KB, so the
//!   shard count follows from the index size.
//! * Postings string: per posting, doc-sorted: varint `(doc − prev_doc)·2 + in_title`
//!   (prev starts at 0) then two digits of `q` (`q = d1·64 + d2`). A list
//!   longer than H (500) keeps its H highest-`q` postings inline (the *head*)
//!   and puts the rest in `search/p/<hash>.json` = `[term, postings]`. Every
//!   tail posting has `q <=` the head's minimum, which bounds what an
//!   unfetched tail can add, so common words cost ~2 KB, not their full list.
//! * Doc chunks `search/d/<hash>.json` hold docs `first..first+C`:
//!   `{"v":1,"first":n,"accounts":[name…],"docs":[[kind,shared,url_suffix,title,
//!   account,tier,status,region,owner,contact,heading,body]…]}`. `kind` indexes
//!   `kinds`; url = first `shared` chars of the previous row's url + suffix;
//!   `account` indexes the chunk's `accounts` (−1 = none); facet numbers index
//!   the manifest's value lists (−1 = none); the last three are short excerpts
//!   (≤ 60/80/140 bytes) for snippets. Docs are numbered in url order, so an
//!   account's pages share a chunk. C is chosen so a chunk is ~6 KB (~30 docs
//!   at 200 B/doc): the first query loads up to 10 chunks and the manifest
//!   lists one name per chunk, and ~6 KB minimises their sum.
//! * Facet lists `search/f/<hash>.json`: `{"v":1,"facet":name,"value":v,"docs":s}`
//!   with `s` the doc-number gaps as varints; filters intersect with these.
//!
//! Unicode tables: Rust's std/unicode-normalization and the browser's ICU may
//! differ for characters added in recent Unicode versions; everything else
//! tokenizes identically.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use unicode_normalization::UnicodeNormalization;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Account,
    Contact,
    Plan,
    Review,
    Guide,
}

impl DocKind {
    /// Index order of `kinds` in the manifest.
    pub const ALL: [DocKind; 5] = [
        DocKind::Account,
        DocKind::Contact,
        DocKind::Plan,
        DocKind::Review,
        DocKind::Guide,
    ];
    /// Same spelling as the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Account => "account",
            DocKind::Contact => "contact",
            DocKind::Plan => "plan",
            DocKind::Review => "review",
            DocKind::Guide => "guide",
        }
    }
}

/// The indexed fields of a document.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Field {
    Name,
    Contact,
    Heading,
    Body,
}

impl Field {
    const ALL: [Field; 4] = [Field::Name, Field::Contact, Field::Heading, Field::Body];
    /// BM25F boost: Name 8 (titles, account/contact names: a name hit is what
    /// people look for), Contact 4 (emails, roles, phone), Heading 2, Body 1.
    pub const fn boost(self) -> f64 {
        match self {
            Field::Name => 8.0,
            Field::Contact => 4.0,
            Field::Heading => 2.0,
            Field::Body => 1.0,
        }
    }
    const fn slot(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facets {
    pub tier: String,
    pub status: String,
    pub region: String,
    pub owner: String,
}

/// One searchable page or section. `title` is indexed as [`Field::Name`]
/// (a `Field::Name` entry equal to the title is skipped, not counted twice).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchDoc {
    pub kind: DocKind,
    pub url: String,
    pub title: String,
    pub account: String,
    /// Shared by an account's documents.
    pub facets: std::sync::Arc<Facets>,
    pub fields: Vec<(Field, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexStats {
    pub docs: usize,
    pub terms: usize,
    pub shards: usize,
    pub total_bytes: usize,
    pub manifest_bytes: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub term: String,
    pub pos: u32,
}

/// A query term: matches `text` exactly, as a prefix if `prefix`, and
/// `alt` (its singular) exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryTerm {
    pub text: String,
    pub prefix: bool,
    pub alt: Option<String>,
}

pub const K1: f64 = 1.2;
pub const B: f64 = 0.75;
/// Longer words are truncated (keeps URLs/hashes from bloating the dictionary).
pub const MAX_WORD_CHARS: usize = 40;
pub const MANIFEST_PATH: &str = "search/manifest.json";
// Query-time constants; written to the manifest so search.js uses the same.
const PREFIX_MIN: usize = 3; // shorter words match exactly only
const PREFIX_SHARDS: usize = 2; // a prefix looks at most at this many shards
const PREFIX_MAX: usize = 32; // most frequent expansions kept per prefix
const PREFIX_FACTOR: f64 = 0.5; // an exact hit beats a prefix hit
const TITLE_BOOST: f64 = 1.5;
const FACETS: [&str; 5] = ["type", "tier", "status", "region", "owner"];
const EXCERPT_BYTES: [usize; 3] = [60, 80, 140]; // contact, heading, body

/// Size knobs; tests shrink them to exercise tails and many shards.
#[derive(Clone, Copy, Debug)]
struct Params {
    head: usize,
    shard_bytes: usize,
    chunk_bytes: usize,
}
const DEFAULT_PARAMS: Params = Params {
    head: 500,
    shard_bytes: 20 * 1024,
    chunk_bytes: 6 * 1024,
};

// ---------------------------------------------------------------- tokenizer

/// Step 1 of the tokenizer: NFKD, lowercase, drop U+0300–U+036F, NFC.
pub fn normalize(text: &str) -> String {
    // Fast path (same result): ASCII, CJK unified ideographs and common CJK/typographic
    // punctuation are unchanged by NFKD, have no lowercase, are not combining marks and
    // never compose, so only ASCII letters change. Covers most English and Chinese text.
    let simple = |c: char| {
        c.is_ascii()
            || matches!(c as u32, 0x4E00..=0x9FFF | 0x3001..=0x3002 | 0x300A..=0x3011 | 0x2013..=0x2014 | 0x2018..=0x2019 | 0x201C..=0x201D)
    };
    if text.chars().all(simple) {
        return text.to_ascii_lowercase();
    }
    text.nfkd()
        .flat_map(char::to_lowercase)
        .filter(|c| !matches!(c, '\u{300}'..='\u{36f}'))
        .nfc()
        .collect()
}

/// CJK char (see module docs): alphanumeric and in Hangul Jamo, iteration
/// marks 々〆〇, Hiragana/Katakana, Hangul compatibility Jamo, Katakana
/// extension, Han (ext. A, unified, compatibility, planes 2–3), Hangul
/// syllables/extensions, half-width Katakana.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x3005..=0x3007 | 0x3040..=0x30FF | 0x3130..=0x318F
        | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xA960..=0xA97F
        | 0xAC00..=0xD7FF | 0xF900..=0xFAFF | 0xFF66..=0xFF9F | 0x20000..=0x3FFFF)
        && c.is_alphanumeric()
}

enum Piece<'a> {
    Word(&'a str),
    Cjk(&'a str),
}

/// Steps 2–3: split normalised text into words (cut to [`MAX_WORD_CHARS`]) and CJK
/// runs, borrowing from it.
fn each_piece<'a>(norm: &'a str, mut f: impl FnMut(Piece<'a>)) {
    // (start, end of the kept part, chars seen) of the open word; start of the open run
    let mut word: Option<(usize, usize, usize)> = None;
    let mut run: Option<usize> = None;
    for (i, c) in norm.char_indices() {
        let cjk = is_cjk(c);
        let word_char = !cjk && c.is_alphanumeric();
        if !word_char {
            if let Some((s, e, _)) = word.take() {
                f(Piece::Word(&norm[s..e]));
            }
        }
        if !cjk {
            if let Some(s) = run.take() {
                f(Piece::Cjk(&norm[s..i]));
            }
        }
        if cjk {
            run.get_or_insert(i);
        } else if word_char {
            let end = i + c.len_utf8();
            match &mut word {
                None => word = Some((i, end, 1)),
                Some((_, e, n)) => {
                    if *n < MAX_WORD_CHARS {
                        *e = end;
                    }
                    *n += 1;
                }
            }
        }
    }
    if let Some((s, e, _)) = word {
        f(Piece::Word(&norm[s..e]));
    }
    if let Some(s) = run {
        f(Piece::Cjk(&norm[s..]));
    }
}

/// The tokenizer (module docs give the rules) as a visitor: `f(term, position)` for
/// every token, terms borrowed from the normalised text (no allocation per token:
/// this runs over every word of the site).
pub fn each_token(text: &str, mut f: impl FnMut(&str, u32)) {
    let norm = normalize(text);
    let mut pos = 0u32;
    each_piece(&norm, |piece| match piece {
        Piece::Word(w) => {
            f(w, pos);
            pos += 1;
        }
        Piece::Cjk(run) => {
            let mut chars = run.char_indices().peekable();
            while let Some((i, c)) = chars.next() {
                f(&run[i..i + c.len_utf8()], pos);
                if let Some(&(j, next)) = chars.peek() {
                    f(&run[i..j + next.len_utf8()], pos);
                }
                pos += 1;
            }
        }
    });
}

/// The tokenizer (module docs give the rules).
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    each_token(text, |term, pos| {
        out.push(Token {
            term: term.to_string(),
            pos,
        })
    });
    out
}

/// Query terms of a query string (module docs give the rules).
pub fn query_terms(q: &str) -> Vec<QueryTerm> {
    let mut out: Vec<QueryTerm> = Vec::new();
    let mut push = |text: String, prefix: bool, alt: Option<String>| {
        if !out.iter().any(|t| t.text == text) {
            out.push(QueryTerm { text, prefix, alt });
        }
    };
    let norm = normalize(q);
    each_piece(&norm, |piece| match piece {
        Piece::Word(w) => {
            let chars = w.chars().count();
            let alt = match () {
                _ if chars >= 5 && w.ends_with("ies") => Some(format!("{}y", &w[..w.len() - 3])),
                _ if chars >= 4 && w.ends_with('s') && !w.ends_with("ss") => {
                    Some(w[..w.len() - 1].to_string())
                }
                _ => None,
            };
            push(w.to_string(), chars >= PREFIX_MIN, alt);
        }
        Piece::Cjk(run) => {
            let chars: Vec<(usize, char)> = run.char_indices().collect();
            if chars.len() == 1 {
                push(run.to_string(), false, None);
            }
            for pair in chars.windows(2) {
                let (i, _) = pair[0];
                let (j, c) = pair[1];
                push(run[i..j + c.len_utf8()].to_string(), false, None);
            }
        }
    });
    out
}

// ---------------------------------------------------------------- encoding

const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn digit_val(c: u8) -> u64 {
    match c {
        b'A'..=b'Z' => (c - b'A') as u64,
        b'a'..=b'z' => (c - b'a' + 26) as u64,
        b'0'..=b'9' => (c - b'0' + 52) as u64,
        b'-' => 62,
        _ => 63,
    }
}

fn put_varint(out: &mut String, mut v: u64) {
    let mut groups = Vec::with_capacity(4);
    loop {
        groups.push((v & 31) as usize);
        v >>= 5;
        if v == 0 {
            break;
        }
    }
    for (i, g) in groups.iter().enumerate().rev() {
        out.push(DIGITS[g | if i > 0 { 32 } else { 0 }] as char);
    }
}

fn get_varint(b: &[u8], i: &mut usize) -> u64 {
    let mut v = 0;
    loop {
        let d = digit_val(b[*i]);
        *i += 1;
        v = v * 32 + (d & 31);
        if d & 32 == 0 {
            return v;
        }
    }
}

/// One posting: 8 bytes, as a 100,000-account index holds ~140 million at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Posting {
    doc: u32,
    /// Quantized BM25F weight, 1..=4095.
    q: u16,
    title: bool,
}

fn encode_postings<'a>(ps: impl IntoIterator<Item = &'a Posting>) -> String {
    let mut out = String::new();
    let mut prev = 0;
    for p in ps {
        put_varint(&mut out, (((p.doc - prev) as u64) << 1) | p.title as u64);
        out.push(DIGITS[(p.q >> 6) as usize] as char);
        out.push(DIGITS[(p.q & 63) as usize] as char);
        prev = p.doc;
    }
    out
}

fn decode_postings(s: &str) -> Vec<Posting> {
    let (b, mut i, mut doc, mut out) = (s.as_bytes(), 0, 0u32, Vec::new());
    while i < b.len() {
        let v = get_varint(b, &mut i);
        doc += (v >> 1) as u32;
        let q = (digit_val(b[i]) << 6 | digit_val(b[i + 1])) as u16;
        i += 2;
        out.push(Posting {
            doc,
            q,
            title: v & 1 == 1,
        });
    }
    out
}

fn encode_docs(docs: &[u32]) -> String {
    let (mut out, mut prev) = (String::new(), 0);
    for &d in docs {
        put_varint(&mut out, (d - prev) as u64);
        prev = d;
    }
    out
}

fn decode_docs(s: &str) -> Vec<u32> {
    let (b, mut i, mut doc, mut out) = (s.as_bytes(), 0, 0u32, Vec::new());
    while i < b.len() {
        doc += get_varint(b, &mut i) as u32;
        out.push(doc);
    }
    out
}

/// FNV-1a 64 of the content, as 16 hex digits: the cache-busting file name.
fn hash16(bytes: &[u8]) -> String {
    format!("{:016x}", fnv(bytes))
}

/// Doc chunk `i`'s file name: the chunk set's hash and the chunk number.
fn doc_file(set: &str, i: usize) -> String {
    format!("{set}-{i}")
}

/// The i-th 16-hex-digit name in a concatenated list.
fn nth(names: &str, i: usize) -> &str {
    &names[i * 16..i * 16 + 16]
}

/// Shortest prefix of `next` that sorts after `prev` (requires prev < next).
fn separator(prev: &str, next: &str) -> String {
    let mut out = String::new();
    let mut pc = prev.chars();
    for c in next.chars() {
        out.push(c);
        if pc.next() != Some(c) {
            break;
        }
    }
    out
}

/// Whitespace-collapsed excerpt of at most `max` bytes, cut at a word
/// boundary when one is near, with `…` when cut.
fn excerpt<'a>(parts: impl Iterator<Item = &'a str>, sep: &str, max: usize) -> String {
    let mut s = String::new();
    for p in parts {
        let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
        if p.is_empty() {
            continue;
        }
        if !s.is_empty() {
            s.push_str(sep);
        }
        s.push_str(&p);
        if s.len() > max {
            break;
        }
    }
    if s.len() <= max {
        return s;
    }
    let mut cut = max - '…'.len_utf8();
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    if let Some(sp) = s[..cut].rfind(' ') {
        if sp > cut * 3 / 4 {
            cut = sp;
        }
    }
    s.truncate(cut);
    s.truncate(s.trim_end().len());
    s.push('…');
    s
}

// ---------------------------------------------------------------- building

#[derive(Serialize, Deserialize)]
struct Manifest {
    v: u32,
    docs: usize,
    k1: f64,
    b: f64,
    boosts: [f64; 4],
    avg_len: [f64; 4],
    head: usize,
    prefix_min: usize,
    prefix_shards: usize,
    prefix_max: usize,
    prefix_factor: f64,
    title_boost: f64,
    shard_keys: Vec<String>,
    shards: String,
    doc_chunk: usize,
    doc_files: String,
    kinds: Vec<String>,
    facets: Vec<FacetList>,
}

#[derive(Serialize, Deserialize)]
struct FacetList {
    name: String,
    values: Vec<(String, usize, String)>,
}

fn facet_of<'a>(d: &'a IndexedDoc, facet: &str) -> &'a str {
    match facet {
        "type" => d.kind.as_str(),
        "tier" => &d.facets.tier,
        "status" => &d.facets.status,
        "region" => &d.facets.region,
        _ => &d.facets.owner,
    }
}

const TERM_SHARDS: usize = 64;
/// The index's postings are built in this many parts, in parallel.
const POSTING_PARTS: usize = 4;

/// FNV-1a as a `HashMap` hasher for term maps: terms are short, and SipHash cost
/// more than the rest of the lookup.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

/// FNV-1a 64 of `bytes`.
fn fnv(bytes: &[u8]) -> u64 {
    let mut h = Fnv::default();
    std::hash::Hasher::write(&mut h, bytes);
    h.0
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type TermMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// The term dictionary of one index, shared by the threads that tokenize documents
/// (sharded locks: two threads rarely wait) and kept by `serve` between renders, so
/// documents hold small term ids instead of their text. Ids are not stable between
/// runs and never reach the output: the index is written in term order.
pub struct Terms {
    set: u64,
    shards: Vec<std::sync::Mutex<TermShard>>,
}

#[derive(Default)]
struct TermShard {
    ids: TermMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Default for Terms {
    fn default() -> Self {
        static SETS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Terms {
            set: SETS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            shards: (0..TERM_SHARDS).map(|_| Default::default()).collect(),
        }
    }
}

impl Terms {
    /// The id of `term`: shard number in the low 6 bits, number within the shard above.
    fn id(&self, term: &str) -> u32 {
        // middle bits: the shard's hash map indexes by the low bits and tags by the top
        let shard = (fnv(term.as_bytes()) >> 32) as usize % TERM_SHARDS;
        let mut s = self.shards[shard].lock().expect("poisoned");
        if let Some(&id) = s.ids.get(term) {
            return id;
        }
        let id = ((s.names.len() as u32) << 6) | shard as u32;
        s.ids.insert(term.into(), id);
        s.names.push(term.into());
        id
    }
}

/// A term of one document, as decoded from [`IndexedDoc`]'s compact list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct DocTerm {
    id: u32,
    /// Occurrences per field.
    tf: [u32; 4],
    in_title: bool,
}

/// LEB128: 7 bits a byte, low groups first.
fn put_leb(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_leb(b: &[u8], i: &mut usize) -> u32 {
    let (mut v, mut shift) = (0u32, 0);
    loop {
        let byte = b[*i];
        *i += 1;
        v |= ((byte & 0x7f) as u32) << shift;
        if byte < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// A document's terms in ~4 bytes each instead of a 16-byte struct (at 100,000
/// accounts the index holds 140 million): per term in ascending id order, the id's
/// delta from the previous one, a flags byte (bit f: field f occurs, bit 4: in the
/// title), then the count of each occurring field, all LEB128.
fn encode_terms(mut terms: Vec<DocTerm>) -> Box<[u8]> {
    terms.sort_unstable_by_key(|t| t.id);
    let mut out = Vec::with_capacity(terms.len() * 4);
    let mut prev = 0;
    for t in &terms {
        put_leb(&mut out, t.id - prev);
        prev = t.id;
        let mut flags = (t.in_title as u8) << 4;
        for (f, &n) in t.tf.iter().enumerate() {
            flags |= ((n > 0) as u8) << f;
        }
        out.push(flags);
        for &n in t.tf.iter().filter(|&&n| n > 0) {
            put_leb(&mut out, n);
        }
    }
    out.into_boxed_slice()
}

fn decode_terms(b: &[u8]) -> impl Iterator<Item = DocTerm> + '_ {
    let (mut i, mut id) = (0, 0);
    std::iter::from_fn(move || {
        if i >= b.len() {
            return None;
        }
        id += get_leb(b, &mut i);
        let flags = b[i];
        i += 1;
        let mut tf = [0; 4];
        for (f, n) in tf.iter_mut().enumerate() {
            if flags & (1 << f) != 0 {
                *n = get_leb(b, &mut i);
            }
        }
        Some(DocTerm {
            id,
            tf,
            in_title: flags & 16 != 0,
        })
    })
}

/// One document as the index needs it: metadata, excerpts and term counts. Built
/// where the page is rendered (in parallel), so the full text is not kept.
#[derive(Clone, Debug)]
pub struct IndexedDoc {
    kind: DocKind,
    /// The url, title, account, then the contact, heading and body excerpts shown in
    /// results, end to end in one allocation (six strings cost ~170 bytes more a
    /// document); `ends[i]` is where the i-th ends.
    text: Box<str>,
    ends: [u32; 6],
    facets: std::sync::Arc<Facets>,
    /// Term ids and counts ([`encode_terms`]).
    terms: Box<[u8]>,
    /// Tokens per field.
    lens: [u32; 4],
    set: u64,
}

impl IndexedDoc {
    fn part(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
    fn url(&self) -> &str {
        self.part(0)
    }
    fn title(&self) -> &str {
        self.part(1)
    }
    fn account(&self) -> &str {
        self.part(2)
    }
    /// 0: contacts, 1: headings, 2: body.
    fn excerpt(&self, i: usize) -> &str {
        self.part(3 + i)
    }

    /// Tokenize `d` (the title as [`Field::Name`], then its fields).
    pub fn new(d: SearchDoc, terms: &Terms) -> IndexedDoc {
        let mut tfs: TermMap<String, ([u32; 4], bool)> = TermMap::default();
        let mut lens = [0u32; 4];
        let title = std::iter::once((Field::Name, d.title.as_str(), true));
        let rest = d
            .fields
            .iter()
            .filter(|(f, t)| !(*f == Field::Name && t.trim() == d.title.trim()))
            .map(|(f, t)| (*f, t.as_str(), false));
        for (field, text, is_title) in title.chain(rest) {
            let slot = field.slot();
            each_token(text, |term, _| {
                lens[slot] += 1;
                if let Some(e) = tfs.get_mut(term) {
                    e.0[slot] += 1;
                    e.1 |= is_title;
                    return;
                }
                let mut tf = [0; 4];
                tf[slot] = 1;
                tfs.insert(term.to_string(), (tf, is_title));
            });
        }
        let ex = |f: Field, sep: &str, max: usize| {
            excerpt(
                d.fields.iter().filter(|x| x.0 == f).map(|x| x.1.as_str()),
                sep,
                max,
            )
        };
        let parts = [
            d.url.as_str(),
            &d.title,
            &d.account,
            &ex(Field::Contact, " · ", EXCERPT_BYTES[0]),
            &ex(Field::Heading, " · ", EXCERPT_BYTES[1]),
            &ex(Field::Body, " ", EXCERPT_BYTES[2]),
        ];
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let ends = parts.map(|p| {
            text.push_str(p);
            text.len() as u32
        });
        IndexedDoc {
            text: text.into_boxed_str(),
            ends,
            kind: d.kind,
            facets: d.facets,
            terms: encode_terms(
                tfs.into_iter()
                    .map(|(term, (tf, in_title))| DocTerm {
                        id: terms.id(&term),
                        tf,
                        in_title,
                    })
                    .collect(),
            ),
            lens,
            set: terms.set,
        }
    }
}

/// Where index files go: `(path, bytes)`, called from several threads.
pub type Emit<'a> = &'a (dyn Fn(&str, &[u8]) -> Result<(), String> + Sync);

/// Build the whole index from plain documents. Pure: returns files, manifest first.
/// Deterministic (same docs, in any order → same bytes).
pub fn build_index(docs: &[SearchDoc]) -> (Vec<IndexFile>, IndexStats) {
    build_with(docs, DEFAULT_PARAMS)
}

fn build_with(docs: &[SearchDoc], p: Params) -> (Vec<IndexFile>, IndexStats) {
    let terms = Terms::default();
    let docs: Vec<IndexedDoc> = docs
        .par_iter()
        .map(|d| IndexedDoc::new(d.clone(), &terms))
        .collect();
    let files = std::sync::Mutex::new(Vec::new());
    let emit = |path: &str, bytes: &[u8]| {
        files.lock().expect("poisoned").push(IndexFile {
            path: path.to_string(),
            bytes: bytes.to_vec(),
        });
        Ok(())
    };
    let refs: Vec<&IndexedDoc> = docs.iter().collect();
    let stats = write_with(&refs, &terms, p, &emit).expect("memory sink cannot fail");
    let mut files = files.into_inner().expect("poisoned");
    files.sort_by(|a, b| {
        (a.path != MANIFEST_PATH, &a.path).cmp(&(b.path != MANIFEST_PATH, &b.path))
    });
    (files, stats)
}

/// Write the index of `docs` (tokenized with `terms`) through `emit`.
pub fn write_index(docs: &[&IndexedDoc], terms: &Terms, emit: Emit) -> Result<IndexStats, String> {
    write_with(docs, terms, DEFAULT_PARAMS, emit)
}

fn write_with(
    docs: &[&IndexedDoc],
    terms: &Terms,
    p: Params,
    emit: Emit,
) -> Result<IndexStats, String> {
    if docs.iter().any(|d| d.set != terms.set) {
        return Err("search: documents were tokenized with another dictionary".into());
    }
    let (bytes, shard_count) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let put = |dir: &str, data: &[u8]| -> Result<String, String> {
        let h = hash16(data);
        bytes.fetch_add(data.len(), Relaxed);
        if dir == "t" {
            shard_count.fetch_add(1, Relaxed);
        }
        emit(&format!("search/{dir}/{h}.json"), data)?;
        Ok(h)
    };

    // Doc numbers follow url order: deterministic, and keeps an account's
    // pages in the same doc chunk.
    let mut order: Vec<&IndexedDoc> = docs.to_vec();
    order.par_sort_by(|a, b| {
        (a.url(), a.title(), a.kind, a.account()).cmp(&(b.url(), b.title(), b.kind, b.account()))
    });
    let n = order.len();
    let mut total_len = [0f64; 4];
    for d in &order {
        for f in Field::ALL {
            total_len[f.slot()] += d.lens[f.slot()] as f64;
        }
    }
    let avg = total_len.map(|t| if n == 0 { 0.0 } else { t / n as f64 });

    // The dictionary, densely numbered: shard s's terms start at offsets[s].
    let shards: Vec<_> = terms
        .shards
        .iter()
        .map(|s| s.lock().expect("poisoned"))
        .collect();
    let mut offsets = Vec::with_capacity(TERM_SHARDS);
    let mut names: Vec<&str> = Vec::new();
    for s in &shards {
        offsets.push(names.len());
        names.extend(s.names.iter().map(|b| &**b));
    }
    let dense = |id: u32| offsets[id as usize % TERM_SHARDS] + (id >> 6) as usize;

    // BM25F weights, quantized. The docs are cut into consecutive parts, each turned
    // into one array of postings grouped by term (a counting sort: count, then fill;
    // a list per term cost a third more per posting plus the lists' spare capacity,
    // gigabytes at 100,000 accounts), the parts in parallel: done in one pass this
    // was half the index's time, with the other core idle. A term's list is its
    // slices of the parts in order, so it is doc-sorted.
    let weight = |d: &IndexedDoc, tf: [u32; 4]| -> u16 {
        let tfn: f64 = Field::ALL
            .iter()
            .filter(|f| tf[f.slot()] > 0)
            .map(|f| {
                let norm = 1.0 - B + B * d.lens[f.slot()] as f64 / avg[f.slot()];
                f.boost() * tf[f.slot()] as f64 / norm
            })
            .sum();
        let w = tfn * (K1 + 1.0) / (tfn + K1);
        ((w * 1000.0).round() as u16).clamp(1, 4095)
    };
    let per_part = n.div_ceil(POSTING_PARTS).max(1);
    let parts: Vec<(Vec<u32>, Vec<Posting>)> = order
        .par_chunks(per_part)
        .enumerate()
        .map(|(part, docs)| {
            let mut starts = vec![0u32; names.len() + 1];
            for d in docs {
                for t in decode_terms(&d.terms) {
                    starts[dense(t.id) + 1] += 1;
                }
            }
            for i in 1..starts.len() {
                starts[i] += starts[i - 1];
            }
            let mut flat = vec![Posting::default(); starts[names.len()] as usize];
            let mut next = starts.clone();
            for (i, d) in docs.iter().enumerate() {
                let doc = (part * per_part + i) as u32;
                for DocTerm { id, tf, in_title } in decode_terms(&d.terms) {
                    let slot = &mut next[dense(id)];
                    flat[*slot as usize] = Posting {
                        doc,
                        q: weight(d, tf),
                        title: in_title,
                    };
                    *slot += 1;
                }
            }
            (starts, flat)
        })
        .collect();
    let df = |i: usize| -> usize {
        parts
            .iter()
            .map(|(starts, _)| (starts[i + 1] - starts[i]) as usize)
            .sum()
    };
    let postings = |i: usize| -> Vec<Posting> {
        let mut ps = Vec::with_capacity(df(i));
        for (starts, flat) in &parts {
            ps.extend_from_slice(&flat[starts[i] as usize..starts[i + 1] as usize]);
        }
        ps
    };

    // Term entries in dictionary order (terms no document uses any more — `serve`
    // keeps its dictionary between renders — are left out), long lists split into a
    // head and a tail file.
    let mut sorted: Vec<usize> = (0..names.len()).filter(|&i| df(i) > 0).collect();
    sorted.par_sort_unstable_by(|&a, &b| names[a].cmp(names[b]));
    let entries: Vec<String> = sorted
        .par_iter()
        .map(|&id| {
            let term = names[id];
            let ps = postings(id);
            let df = ps.len();
            Ok(if df > p.head {
                // Head = the `head` best postings (q descending, then doc), tail = the
                // rest; both doc-sorted. Select the head's last posting in linear time,
                // then split the (doc-sorted) list by it: sorting whole lists cost
                // O(n log n) per common term and grew ~29× from 10k to 100k accounts.
                let rank = |a: &Posting, b: &Posting| b.q.cmp(&a.q).then(a.doc.cmp(&b.doc));
                let mut sel = ps.to_vec();
                let cut = *sel.select_nth_unstable_by(p.head - 1, rank).1;
                let in_head = |x: &&Posting| rank(x, &cut).is_le();
                let tail = encode_postings(ps.iter().filter(|x| !in_head(x)));
                let tail_hash = put("p", &serde_json::to_vec(&(term, tail)).unwrap())?;
                let head = encode_postings(ps.iter().filter(in_head));
                serde_json::to_string(&(term, df, head, tail_hash)).unwrap()
            } else {
                serde_json::to_string(&(term, df, encode_postings(&ps))).unwrap()
            })
        })
        .collect::<Result<_, String>>()?;
    drop(parts);

    // Term shards: contiguous ranges of the sorted dictionary, closed before they
    // would exceed `shard_bytes`.
    let mut shard_keys = vec![String::new()];
    let mut ranges = Vec::new();
    let (mut first, mut cur_bytes) = (0, 0);
    for (i, e) in entries.iter().enumerate() {
        if i > first && cur_bytes + e.len() > p.shard_bytes {
            ranges.push(first..i);
            shard_keys.push(separator(names[sorted[i - 1]], names[sorted[i]]));
            (first, cur_bytes) = (i, 0);
        }
        cur_bytes += e.len() + 1;
    }
    ranges.push(first..entries.len());
    let shard_names: Vec<String> = ranges
        .into_par_iter()
        .map(|r| {
            put(
                "t",
                format!("{{\"v\":1,\"terms\":[{}]}}", entries[r].join(",")).as_bytes(),
            )
        })
        .collect::<Result<_, String>>()?;
    drop(entries);
    let term_count = sorted.len();
    drop(shards);

    // Facet value lists (sorted; "" = n/a is not a value) and their doc lists, the
    // facets side by side. Docs in url order come in runs of one account, which share
    // their facet values: each run is looked up once (one lookup per doc was a second
    // of one core at 100,000 accounts, with the other core idle).
    let lists: Vec<(Vec<String>, FacetList)> = FACETS
        .par_iter()
        .map(|&facet| -> Result<_, String> {
            let mut by_value: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
            let mut i = 0;
            while i < n {
                let v = facet_of(order[i], facet);
                let run = order[i..].iter().take_while(|d| facet_of(d, facet) == v);
                let end = i + run.count();
                if !v.is_empty() {
                    by_value.entry(v).or_default().extend(i as u32..end as u32);
                }
                i = end;
            }
            let mut values: Vec<(&str, Vec<u32>)> = by_value.into_iter().collect();
            if facet == "type" {
                values.sort_by_key(|(v, _)| DocKind::ALL.iter().position(|k| k.as_str() == *v));
            }
            let names = values.iter().map(|(v, _)| v.to_string()).collect();
            let values = values
                .into_iter()
                .map(|(v, ds)| {
                    let json = serde_json::json!({"v": 1, "facet": facet, "value": v, "docs": encode_docs(&ds)});
                    let h = put("f", &serde_json::to_vec(&json).unwrap())?;
                    Ok((v.to_string(), ds.len(), h))
                })
                .collect::<Result<_, String>>()?;
            let list = FacetList {
                name: facet.to_string(),
                values,
            };
            Ok((names, list))
        })
        .collect::<Result<_, String>>()?;
    let (facet_values, facet_lists): (Vec<Vec<String>>, Vec<FacetList>) = lists.into_iter().unzip();

    // Doc chunks: C docs each, C chosen so a chunk is ~chunk_bytes.
    let chunk_json = |first: usize, docs: &[&IndexedDoc]| -> String {
        let mut accounts: Vec<&str> = Vec::new();
        let mut prev_url = "";
        let rows: Vec<String> = docs
            .iter()
            .map(|d| {
                let fi = |k: usize| -> i64 {
                    let v = facet_of(d, FACETS[k]);
                    facet_values[k]
                        .binary_search_by(|x| x.as_str().cmp(v))
                        .map_or(-1, |i| i as i64)
                };
                // Front-code the url against the previous one (counted in chars).
                let shared = prev_url
                    .chars()
                    .zip(d.url().chars())
                    .take_while(|(a, b)| a == b)
                    .count();
                let suffix: String = d.url().chars().skip(shared).collect();
                prev_url = d.url();
                let account = match d.account() {
                    "" => -1,
                    a => match accounts.iter().position(|x| *x == a) {
                        Some(i) => i as i64,
                        None => {
                            accounts.push(a);
                            accounts.len() as i64 - 1
                        }
                    },
                };
                let row = (
                    DocKind::ALL.iter().position(|k| *k == d.kind).unwrap(),
                    shared,
                    suffix,
                    d.title(),
                    account,
                    fi(1),
                    fi(2),
                    fi(3),
                    fi(4),
                    d.excerpt(0),
                    d.excerpt(1),
                    d.excerpt(2),
                );
                serde_json::to_string(&row).unwrap()
            })
            .collect();
        let accounts = serde_json::to_string(&accounts).unwrap();
        format!(
            "{{\"v\":1,\"first\":{first},\"accounts\":{accounts},\"docs\":[{}]}}",
            rows.join(",")
        )
    };
    // The average encoded doc, measured on samples of consecutive docs (one block in
    // eight, so the estimate costs an eighth of writing the chunks).
    let (sample_bytes, sample_docs) = order
        .par_chunks(64)
        .step_by(8)
        .map(|b| (chunk_json(0, b).len(), b.len()))
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let avg_doc = sample_bytes / sample_docs.max(1);
    let doc_chunk = (p.chunk_bytes / avg_doc.max(1)).clamp(8, 100);
    // Doc chunks share one name prefix (one name per chunk would cost the manifest ~17
    // bytes each): a hash of everything the chunks are made of (each doc's fields in
    // order, the facet value lists their numbers index, the chunk size and the
    // format), so any change gives every chunk a new, cache-safe name. Hashing the
    // inputs rather than the finished chunks lets each chunk be written as soon as it
    // is made, instead of holding all of them (~0.5 GB at 100,000 accounts).
    use std::hash::Hasher;
    let chunk_hashes: Vec<u64> = order
        .par_chunks(doc_chunk)
        .map(|docs| {
            let mut h = Fnv::default();
            for d in docs {
                h.write_u8(d.kind as u8);
                for end in d.ends {
                    h.write_u32(end);
                }
                h.write(d.text.as_bytes());
                for facet in &FACETS[1..] {
                    h.write(facet_of(d, facet).as_bytes());
                    h.write_u8(0xff); // not in UTF-8: ends the value
                }
            }
            h.finish()
        })
        .collect();
    let mut set = Fnv::default();
    set.write(b"doc-chunks v1");
    set.write_usize(doc_chunk);
    for values in &facet_values {
        for v in values {
            set.write(v.as_bytes());
            set.write_u8(0xff);
        }
        set.write_u8(0xfe);
    }
    for h in chunk_hashes {
        set.write_u64(h);
    }
    let doc_files = format!("{:016x}", set.finish());
    order
        .par_chunks(doc_chunk)
        .enumerate()
        .map(|(i, docs)| {
            let b = chunk_json(i * doc_chunk, docs);
            bytes.fetch_add(b.len(), Relaxed);
            emit(
                &format!("search/d/{}.json", doc_file(&doc_files, i)),
                b.as_bytes(),
            )
        })
        .collect::<Result<(), String>>()?;

    let manifest = Manifest {
        v: 1,
        docs: n,
        k1: K1,
        b: B,
        boosts: Field::ALL.map(Field::boost),
        avg_len: avg.map(|a| (a * 1000.0).round() / 1000.0),
        head: p.head,
        prefix_min: PREFIX_MIN,
        prefix_shards: PREFIX_SHARDS,
        prefix_max: PREFIX_MAX,
        prefix_factor: PREFIX_FACTOR,
        title_boost: TITLE_BOOST,
        shard_keys,
        shards: shard_names.concat(),
        doc_chunk,
        doc_files,
        kinds: DocKind::ALL
            .iter()
            .map(|k| k.as_str().to_string())
            .collect(),
        facets: facet_lists,
    };
    let manifest = serde_json::to_vec(&manifest).unwrap();
    emit(MANIFEST_PATH, &manifest)?;
    Ok(IndexStats {
        docs: n,
        terms: term_count,
        shards: shard_count.into_inner(),
        total_bytes: bytes.into_inner() + manifest.len(),
        manifest_bytes: manifest.len(),
    })
}

// ---------------------------------------------------------------- querying

/// Reads an index from memory (the reference evaluator; search.js mirrors it).
struct Reader<'a> {
    files: BTreeMap<&'a str, &'a [u8]>,
    m: Manifest,
}

/// One dictionary term matched by a query term.
struct Expansion {
    df: usize,
    factor: f64,
    postings: Vec<Posting>,
}

impl<'a> Reader<'a> {
    fn new(files: &'a [IndexFile]) -> Option<Self> {
        let files: BTreeMap<&str, &[u8]> = files
            .iter()
            .map(|f| (f.path.as_str(), f.bytes.as_slice()))
            .collect();
        let m = serde_json::from_slice(files.get(MANIFEST_PATH)?).ok()?;
        Some(Reader { files, m })
    }

    fn json(&self, dir: &str, hash: &str) -> serde_json::Value {
        let bytes = self.files[format!("search/{dir}/{hash}.json").as_str()];
        serde_json::from_slice(bytes).expect("index file is JSON")
    }

    fn shard_of(&self, term: &str) -> usize {
        self.m.shard_keys.partition_point(|k| k.as_str() <= term) - 1
    }

    /// Shards to read for a query term: the one holding `text`, the following
    /// ones whose key starts with it (prefix; at most prefix_shards in all),
    /// and the one holding `alt`.
    fn shards_for(&self, qt: &QueryTerm) -> BTreeSet<usize> {
        let keys = &self.m.shard_keys;
        let start = self.shard_of(&qt.text);
        let mut end = start;
        while qt.prefix
            && end + 1 < keys.len()
            && end + 1 < start + self.m.prefix_shards
            && keys[end + 1].starts_with(&qt.text)
        {
            end += 1;
        }
        let alt = qt.alt.as_deref().map(|a| self.shard_of(a));
        (start..=end).chain(alt).collect()
    }

    fn expansions(&self, qt: &QueryTerm) -> Vec<Expansion> {
        let mut exact = Vec::new();
        let mut prefixed = Vec::new();
        for s in self.shards_for(qt) {
            let shard = self.json("t", nth(&self.m.shards, s));
            for e in shard["terms"].as_array().unwrap() {
                let term = e[0].as_str().unwrap();
                let is_exact = term == qt.text || qt.alt.as_deref() == Some(term);
                if !(is_exact || qt.prefix && term.starts_with(&qt.text)) {
                    continue;
                }
                let mut postings = decode_postings(e[2].as_str().unwrap());
                if let Some(tail) = e.get(3) {
                    let tail = self.json("p", tail.as_str().unwrap());
                    postings.extend(decode_postings(tail[1].as_str().unwrap()));
                }
                let df = e[1].as_u64().unwrap() as usize;
                if is_exact {
                    exact.push(Expansion {
                        df,
                        factor: 1.0,
                        postings,
                    });
                } else {
                    prefixed.push((term.to_string(), df, postings));
                }
            }
        }
        prefixed.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        prefixed.truncate(self.m.prefix_max);
        let prefixed = prefixed.into_iter().map(|(_, df, postings)| Expansion {
            df,
            factor: self.m.prefix_factor,
            postings,
        });
        exact.into_iter().chain(prefixed).collect()
    }

    /// Docs passing all filters (None = no filter). Unknown value → no docs.
    fn filter(&self, filters: &[(&str, &str)]) -> Option<BTreeSet<u32>> {
        let mut acc: Option<BTreeSet<u32>> = None;
        for (facet, value) in filters {
            let list = self.m.facets.iter().find(|f| f.name == *facet);
            let docs: BTreeSet<u32> = list
                .and_then(|l| l.values.iter().find(|v| v.0 == *value))
                .map(|v| decode_docs(self.json("f", &v.2)["docs"].as_str().unwrap()))
                .unwrap_or_default()
                .into_iter()
                .collect();
            acc = Some(match acc {
                None => docs,
                Some(a) => a.intersection(&docs).copied().collect(),
            });
        }
        acc
    }

    fn url(&self, doc: u32) -> String {
        let c = self.m.doc_chunk;
        let chunk = self.json("d", &doc_file(&self.m.doc_files, doc as usize / c));
        // Undo the front coding up to this doc.
        let mut url = String::new();
        for row in chunk["docs"]
            .as_array()
            .unwrap()
            .iter()
            .take(doc as usize % c + 1)
        {
            url = url
                .chars()
                .take(row[1].as_u64().unwrap() as usize)
                .collect();
            url.push_str(row[2].as_str().unwrap());
        }
        url
    }
}

/// Exact scoring of `groups` (one list of expansions per query term).
fn evaluate(
    groups: &[Vec<Expansion>],
    n_docs: usize,
    and: bool,
    filter: Option<&BTreeSet<u32>>,
    title_boost: f64,
) -> Vec<(u32, f64)> {
    let n = n_docs as f64;
    let maps: Vec<BTreeMap<u32, (f64, bool)>> = groups
        .iter()
        .map(|g| {
            let mut m: BTreeMap<u32, (f64, bool)> = BTreeMap::new();
            for e in g {
                let df = e.df as f64;
                let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                for p in &e.postings {
                    let s = e.factor * idf * (p.q as f64 / 1000.0);
                    let c = m.entry(p.doc).or_insert((s, false));
                    c.0 = c.0.max(s);
                    c.1 |= p.title;
                }
            }
            m
        })
        .collect();
    let candidates: BTreeSet<u32> = maps.iter().flat_map(|m| m.keys().copied()).collect();
    let mut out = Vec::new();
    'docs: for d in candidates {
        if filter.is_some_and(|f| !f.contains(&d)) {
            continue;
        }
        let (mut score, mut all_title) = (0.0, true);
        for m in &maps {
            match m.get(&d) {
                Some(&(s, t)) => {
                    score += s;
                    all_title &= t;
                }
                None if and => continue 'docs,
                None => all_title = false,
            }
        }
        out.push((
            d,
            if all_title {
                score * title_boost
            } else {
                score
            },
        ));
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// Run a query against built index files: all matches as (url, score), best
/// first. This is the reference for search.js (same terms, scores, order).
pub fn query(files: &[IndexFile], q: &str) -> Vec<(String, f64)> {
    query_filtered(files, q, &[])
}

/// [`query`] restricted to docs with all the given facet values, e.g.
/// `[("tier", "Strategic"), ("type", "review")]`.
pub fn query_filtered(
    files: &[IndexFile],
    q: &str,
    filters: &[(&str, &str)],
) -> Vec<(String, f64)> {
    let Some(r) = Reader::new(files) else {
        return Vec::new();
    };
    let hits = query_docs(&r, q, filters);
    hits.into_iter().map(|(d, s)| (r.url(d), s)).collect()
}

/// Doc numbers and scores, best first (AND, else OR).
fn query_docs(r: &Reader, q: &str, filters: &[(&str, &str)]) -> Vec<(u32, f64)> {
    let terms = query_terms(q);
    if terms.is_empty() {
        return Vec::new();
    }
    let groups: Vec<Vec<Expansion>> = terms.iter().map(|t| r.expansions(t)).collect();
    let filter = r.filter(filters);
    let hits = evaluate(&groups, r.m.docs, true, filter.as_ref(), r.m.title_boost);
    if !hits.is_empty() {
        return hits;
    }
    evaluate(&groups, r.m.docs, false, filter.as_ref(), r.m.title_boost)
}

#[cfg(test)]
mod tests {
    use super::*;
    use DocKind::*;
    use Field::{Body, Heading, Name};

    fn terms(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.term).collect()
    }

    fn doc(
        kind: DocKind,
        url: &str,
        title: &str,
        account: &str,
        fields: &[(Field, &str)],
    ) -> SearchDoc {
        SearchDoc {
            kind,
            url: url.into(),
            title: title.into(),
            account: account.into(),
            facets: Default::default(),
            fields: fields.iter().map(|(f, t)| (*f, t.to_string())).collect(),
        }
    }

    fn with_facets(
        mut d: SearchDoc,
        tier: &str,
        status: &str,
        region: &str,
        owner: &str,
    ) -> SearchDoc {
        d.facets = std::sync::Arc::new(Facets {
            tier: tier.into(),
            status: status.into(),
            region: region.into(),
            owner: owner.into(),
        });
        d
    }

    fn urls(files: &[IndexFile], q: &str) -> Vec<String> {
        query(files, q).into_iter().map(|r| r.0).collect()
    }

    /// Small English + Chinese corpus shared by several tests.
    fn corpus() -> Vec<SearchDoc> {
        let hd = "华东精密机械有限公司";
        vec![
            with_facets(
                doc(Account, "accounts/huadong/", hd, hd, &[(Body, "Strategic supplier of precision bearings in Suzhou. 年度续约谈判进行中。")]),
                "Strategic", "Active", "APAC", "Li Wei",
            ),
            with_facets(
                doc(Contact, "accounts/huadong/contacts/zhang-wei/", "张伟", hd, &[(Field::Contact, "zhang.wei@huadong.example 采购总监 Procurement Director")]),
                "Strategic", "Active", "APAC", "Li Wei",
            ),
            with_facets(
                doc(Review, "accounts/huadong/reviews/2026-06-30-qbr/#risks", "QBR 2026-06-30 — 华东精密机械有限公司", hd,
                    &[(Heading, "Risks"), (Body, "客户担心交货周期，轴承库存不足。Bearing lead times slipped to 12 weeks.")]),
                "Strategic", "At risk", "APAC", "Li Wei",
            ),
            with_facets(
                doc(Account, "accounts/acme/", "Acme Industrial", "Acme Industrial", &[(Body, "Global manufacturer of turbines and compressors.")]),
                "Key", "Active", "EMEA", "Jane Roe",
            ),
            with_facets(
                doc(Plan, "accounts/acme/plan/", "Plan — Acme Industrial", "Acme Industrial",
                    &[(Heading, "Renewal strategy"), (Body, "Secure the renewal before Q3 and expand into service contracts.")]),
                "Key", "Active", "EMEA", "Jane Roe",
            ),
            with_facets(
                doc(Review, "accounts/acme/reviews/2026-09-30-qbr/", "QBR 2026-09-30 — Acme Industrial", "Acme Industrial",
                    &[(Heading, "Risks"), (Body, "Renewing the turbine service contract is at risk; the champion left.")]),
                "Key", "At risk", "EMEA", "Jane Roe",
            ),
            with_facets(
                doc(Account, "accounts/northwind/", "Northwind Traders", "Northwind Traders", &[(Body, "Logistics partner; we renew the freight contract annually.")]),
                "Growth", "Active", "NA", "Sam Poe",
            ),
            with_facets(
                doc(Contact, "accounts/northwind/contacts/ana-lopez/", "Ana López", "Northwind Traders",
                    &[(Field::Contact, "ana.lopez@northwind.example VP Operations"), (Body, "Owns the bearing and freight budget.")]),
                "Growth", "Active", "NA", "Sam Poe",
            ),
            doc(Guide, "guides/renewals/", "Renewal playbook", "", &[(Heading, "When to start"), (Body, "Start renewal conversations 120 days before the contract ends.")]),
            doc(Guide, "guides/qbr/", "Running a QBR", "", &[(Heading, "Agenda"), (Body, "Review risks, wins and the account plan with the customer.")]),
            with_facets(
                doc(Account, "accounts/yunfan/", "深圳云帆科技", "深圳云帆科技", &[(Body, "云计算服务商，华南区重点客户。精密仪器部门正在评估。")]),
                "Growth", "Prospect", "China", "Li Wei",
            ),
        ]
    }

    #[test]
    fn tokenizer_folds_case_and_positions() {
        let toks = tokenize("ACME Industrial, RENEWAL!");
        let got: Vec<(&str, u32)> = toks.iter().map(|t| (t.term.as_str(), t.pos)).collect();
        assert_eq!(got, [("acme", 0), ("industrial", 1), ("renewal", 2)]);
        assert_eq!(terms("Привет МИР"), ["привет", "мир"]);
    }

    #[test]
    fn tokenizer_nfkc_and_accents() {
        assert_eq!(terms("ＡＢＣ１２３"), ["abc123"]);
        assert_eq!(terms("Café Zürich ﬁnance"), ["cafe", "zurich", "finance"]);
        assert_eq!(terms("e\u{301}cole İstanbul"), ["ecole", "istanbul"]);
        assert_eq!(terms("２０２６年"), ["2026", "年"]);
    }

    #[test]
    fn normalize_fast_path_equals_full_normalisation() {
        let full = |t: &str| -> String {
            t.nfkd()
                .flat_map(char::to_lowercase)
                .filter(|c| !matches!(c, '\u{300}'..='\u{36f}'))
                .nfc()
                .collect()
        };
        let ranges = [
            0x00..=0x7F,
            0x4E00..=0x9FFF,
            0x3001..=0x3002,
            0x300A..=0x3011,
            0x2013..=0x2014,
            0x2018..=0x2019,
            0x201C..=0x201D,
        ];
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            let t = format!("A{c}b{c}");
            assert_eq!(normalize(&t), full(&t), "U+{:04X}", c as u32);
        }
        // one character outside the fast path takes the full path for the whole text
        assert_eq!(normalize("ＡＢ 华东 Café"), "ab 华东 cafe");
    }

    #[test]
    fn tokenizer_cjk_unigrams_and_bigrams() {
        let toks = tokenize("华东精密");
        let got: Vec<(&str, u32)> = toks.iter().map(|t| (t.term.as_str(), t.pos)).collect();
        assert_eq!(
            got,
            [
                ("华", 0),
                ("华东", 0),
                ("东", 1),
                ("东精", 1),
                ("精", 2),
                ("精密", 2),
                ("密", 3)
            ]
        );
        // Punctuation and spaces end a run: no bigram across them.
        assert_eq!(terms("华东，精"), ["华", "华东", "东", "精"]);
        assert_eq!(
            terms("東京タワー"),
            ["東", "東京", "京", "京タ", "タ", "タワ", "ワ", "ワー", "ー"]
        );
    }

    #[test]
    fn tokenizer_mixed_scripts_and_separators() {
        assert_eq!(
            terms("华东bearing供应商2026 QBR—Q3 🚀risk/issue"),
            [
                "华", "华东", "东", "bearing", "供", "供应", "应", "应商", "商", "2026", "qbr",
                "q3", "risk", "issue"
            ]
        );
        assert_eq!(terms(&"x".repeat(50)), ["x".repeat(MAX_WORD_CHARS)]);
        assert!(tokenize(" \t—。、").is_empty());
    }

    #[test]
    fn query_terms_rules() {
        let qt = |q: &str| -> Vec<(String, bool)> {
            query_terms(q)
                .into_iter()
                .map(|t| (t.text, t.prefix))
                .collect()
        };
        assert_eq!(qt("精密"), [("精密".into(), false)]);
        assert_eq!(qt("精"), [("精".into(), false)]);
        assert_eq!(
            qt("华东 bearing"),
            [("华东".into(), false), ("bearing".into(), true)]
        );
        assert_eq!(
            qt("华 精密机"),
            [
                ("华".into(), false),
                ("精密".into(), false),
                ("密机".into(), false)
            ]
        );
        assert_eq!(
            qt("re Renew renew"),
            [("re".into(), false), ("renew".into(), true)]
        );
        let alt = |q: &str| {
            query_terms(q)
                .into_iter()
                .map(|t| t.alt)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            alt("renewals companies class bus"),
            [Some("renewal".into()), Some("company".into()), None, None]
        );
    }

    #[test]
    fn encodings_round_trip() {
        let ps = vec![
            Posting {
                doc: 0,
                q: 1,
                title: true,
            },
            Posting {
                doc: 31,
                q: 2200,
                title: false,
            },
            Posting {
                doc: 100_000,
                q: 4095,
                title: true,
            },
        ];
        assert_eq!(decode_postings(&encode_postings(&ps)), ps);
        let docs = vec![0, 1, 2, 40, 1 << 20];
        assert_eq!(decode_docs(&encode_docs(&docs)), docs);
        assert_eq!(separator("renewal", "renewed"), "renewe");
        assert_eq!(separator("re", "renew"), "ren");
        assert_eq!(
            DocKind::ALL.map(|k| serde_json::to_value(k).unwrap()),
            DocKind::ALL.map(|k| serde_json::json!(k.as_str()))
        );
    }

    #[test]
    fn name_outranks_body() {
        let docs = vec![
            doc(
                Guide,
                "b/",
                "Maintenance notes",
                "",
                &[(Body, "The turbine needs service.")],
            ),
            doc(Account, "a/", "Turbine Works", "", &[(Body, "An account.")]),
            doc(
                Contact,
                "c/",
                "Jo",
                "",
                &[(Field::Contact, "turbine engineer"), (Body, "Contact.")],
            ),
        ];
        let (files, _) = build_index(&docs);
        assert_eq!(urls(&files, "turbine"), ["a/", "c/", "b/"]);
    }

    #[test]
    fn bm25_length_normalisation() {
        let filler = "lorem ipsum dolor sit amet ".repeat(40);
        let docs = vec![
            doc(
                Guide,
                "long/",
                "Long",
                "",
                &[(Body, &format!("pricing {filler}"))],
            ),
            doc(Guide, "short/", "Short", "", &[(Body, "pricing update")]),
            doc(
                Guide,
                "other/",
                "Other",
                "",
                &[(Body, "unrelated words here")],
            ),
        ];
        let (files, _) = build_index(&docs);
        let hits = query(&files, "pricing");
        assert_eq!(
            hits.iter().map(|h| h.0.as_str()).collect::<Vec<_>>(),
            ["short/", "long/"]
        );
        assert!(hits[0].1 > 1.5 * hits[1].1, "{hits:?}");
    }

    #[test]
    fn and_semantics_with_or_fallback() {
        let docs = vec![
            doc(Guide, "ab/", "Doc one", "", &[(Body, "alpha beta")]),
            doc(Guide, "a/", "Doc two", "", &[(Body, "alpha")]),
            doc(Guide, "b/", "Doc three", "", &[(Body, "beta beta")]),
        ];
        let (files, _) = build_index(&docs);
        assert_eq!(urls(&files, "alpha beta"), ["ab/"]);
        // "gamma" matches nothing, so AND is empty and OR kicks in.
        assert_eq!(urls(&files, "alpha gamma"), ["a/", "ab/"]);
        assert!(urls(&files, "gamma").is_empty());
    }

    #[test]
    fn prefix_matching_and_exact_wins() {
        let (files, _) = build_index(&corpus());
        let hits = urls(&files, "renew");
        assert_eq!(
            hits[0], "accounts/northwind/",
            "exact `renew` first: {hits:?}"
        );
        for u in [
            "guides/renewals/",
            "accounts/acme/plan/",
            "accounts/acme/reviews/2026-09-30-qbr/",
        ] {
            assert!(hits.contains(&u.to_string()), "{u} missing from {hits:?}");
        }
        assert_eq!(urls(&files, "acm")[0], "accounts/acme/");
        assert!(
            urls(&files, "re").is_empty(),
            "2-char words match exactly only"
        );
        // Plural query, singular in the docs.
        assert_eq!(urls(&files, "renewals")[0], "guides/renewals/");
        assert!(
            urls(&files, "turbines").contains(&"accounts/acme/reviews/2026-09-30-qbr/".to_string())
        );
    }

    #[test]
    fn cjk_queries() {
        let (files, _) = build_index(&corpus());
        assert_eq!(urls(&files, "精密")[0], "accounts/huadong/");
        assert!(urls(&files, "精密").contains(&"accounts/yunfan/".to_string()));
        // A two-char word inside a review note.
        assert_eq!(
            urls(&files, "轴承"),
            ["accounts/huadong/reviews/2026-06-30-qbr/#risks"]
        );
        assert_eq!(
            urls(&files, "总监"),
            ["accounts/huadong/contacts/zhang-wei/"]
        );
        assert!(urls(&files, "伟").contains(&"accounts/huadong/contacts/zhang-wei/".to_string()));
        // Mixed: AND of 华东 and bearing; the review has the exact word, the
        // account only the prefix match `bearings`.
        assert_eq!(
            urls(&files, "华东 bearing"),
            [
                "accounts/huadong/reviews/2026-06-30-qbr/#risks",
                "accounts/huadong/"
            ]
        );
    }

    #[test]
    fn title_boost_and_filters() {
        let docs = vec![
            doc(
                Account,
                "x/",
                "Globex",
                "",
                &[(Name, "Northwind alias"), (Body, "x")],
            ),
            doc(Account, "y/", "Northwind alias", "", &[(Body, "y")]),
        ];
        let (files, _) = build_index(&docs);
        let hits = query(&files, "northwind");
        assert_eq!(hits[0].0, "y/");
        assert!(hits[0].1 > hits[1].1 * 1.3, "{hits:?}");

        let (files, _) = build_index(&corpus());
        let f = |q: &str, filters: &[(&str, &str)]| -> Vec<String> {
            query_filtered(&files, q, filters)
                .into_iter()
                .map(|r| r.0)
                .collect()
        };
        assert_eq!(
            f("risks", &[("type", "review"), ("region", "EMEA")]),
            ["accounts/acme/reviews/2026-09-30-qbr/"]
        );
        assert_eq!(
            f("精密", &[("owner", "Li Wei"), ("status", "Prospect")]),
            ["accounts/yunfan/"]
        );
        assert!(f("精密", &[("tier", "Nope")]).is_empty());
    }

    #[test]
    fn split_posting_lists_give_same_results() {
        let mut docs = corpus();
        docs.extend(synthetic(60, 7));
        let (full, _) = build_index(&docs);
        let tiny = Params {
            head: 3,
            shard_bytes: 600,
            chunk_bytes: 500,
        };
        let (split, stats) = build_with(&docs, tiny);
        assert!(stats.shards > 10 && split.iter().any(|f| f.path.starts_with("search/p/")));
        for q in [
            "customer",
            "renew",
            "精密",
            "华东 bearing",
            "risk contract",
            "客户",
            "acme zzz",
        ] {
            assert_eq!(query(&full, q), query(&split, q), "{q}");
        }
    }

    #[test]
    fn deterministic_and_order_independent() {
        let mut docs = corpus();
        docs.extend(synthetic(30, 1));
        let (a, sa) = build_index(&docs);
        let (b, sb) = build_index(&docs);
        assert_eq!(a, b);
        assert_eq!(sa, sb);
        docs.reverse();
        assert_eq!(build_index(&docs).0, a);
        assert_eq!(
            sa.total_bytes,
            a.iter().map(|f| f.bytes.len()).sum::<usize>()
        );
    }

    /// Doc chunks are named by a hash of their inputs, not of their bytes: any edit
    /// that changes a chunk's bytes must still rename every chunk (browsers cache
    /// them forever), and an unchanged set keeps its names.
    #[test]
    fn doc_chunks_get_new_names_whenever_their_bytes_change() {
        let base = synthetic(40, 3);
        let chunks = |docs: &[SearchDoc]| -> BTreeMap<String, Vec<u8>> {
            build_index(docs)
                .0
                .into_iter()
                .filter(|f| f.path.starts_with("search/d/"))
                .map(|f| (f.path, f.bytes))
                .collect()
        };
        let before = chunks(&base);
        assert_eq!(chunks(&base), before);
        // Same-length edits, so a hash of the parts' lengths alone would not notice.
        fn swap_letter(s: &mut String) {
            let i = s.find(|c: char| c.is_ascii_lowercase()).expect("a letter");
            let c = if &s[i..i + 1] == "q" { "x" } else { "q" };
            s.replace_range(i..i + 1, c);
        }
        let body = |d: &mut Vec<SearchDoc>| {
            let f = d.iter_mut().flat_map(|d| &mut d.fields);
            let mut f = f
                .filter(|(f, t)| *f == Field::Body && t.contains(|c: char| c.is_ascii_lowercase()));
            swap_letter(&mut f.next().expect("a body").1)
        };
        type Edit = Box<dyn Fn(&mut Vec<SearchDoc>)>;
        let edits: Vec<(&str, Edit)> = vec![
            ("a body excerpt", Box::new(body)),
            ("a url", Box::new(|d| swap_letter(&mut d[9].url))),
            (
                "a facet value",
                Box::new(|d| {
                    let mut f = (*d[0].facets).clone();
                    swap_letter(&mut f.owner);
                    d[0].facets = std::sync::Arc::new(f);
                }),
            ),
        ];
        for (what, edit) in edits {
            let mut docs = base.clone();
            edit(&mut docs);
            let after = chunks(&docs);
            assert!(
                before.keys().all(|name| !after.contains_key(name)),
                "editing {what} kept a chunk name"
            );
        }
    }

    #[test]
    fn empty_index_and_empty_query() {
        let (files, stats) = build_index(&[]);
        assert_eq!((stats.docs, stats.shards), (0, 1));
        assert!(query(&files, "anything").is_empty());
        let (files, _) = build_index(&corpus());
        assert!(query(&files, " — 。").is_empty());
    }

    #[test]
    fn manifest_has_no_per_doc_data() {
        let docs = synthetic(200, 3); // 1,000 docs
        let (files, stats) = build_index(&docs);
        let manifest = String::from_utf8(files[0].bytes.clone()).unwrap();
        assert_eq!(files[0].path, MANIFEST_PATH);
        assert_eq!(stats.manifest_bytes, manifest.len());
        for d in docs.iter().step_by(37) {
            // (Contact names may legitimately equal an owner facet value.)
            assert!(
                !manifest.contains(&d.url) && (d.kind == Contact || !manifest.contains(&d.title)),
                "{}",
                d.url
            );
        }
        assert!(stats.manifest_bytes < 8 * 1024, "{stats:?}");
        // every other file is named by a content hash (doc chunks: the set's hash + number)
        assert!(files.iter().all(|f| f.path == MANIFEST_PATH
            || f.path.len() == "search/t/0123456789abcdef.json".len()
            || (f.path.starts_with("search/d/") && f.path.as_bytes()[25] == b'-')));
    }

    // ------------------------------------------------------ cross-checks with search.js

    fn tests_data() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests_data")
    }

    /// Writes tests_data/tokens.json; `node tests_data/check_tokens.mjs` compares
    /// search.js's tokenizer and query-term rules with it.
    #[test]
    fn write_token_cross_check() {
        let inputs = [
            "Acme Industrial",
            "ACME industrial RENEWAL",
            "华东精密机械有限公司",
            "华东 bearing",
            "华东bearing供应商2026年",
            "ＡＢＣ１２３",
            "Ｑ３ ｒｅｎｅｗａｌ",
            "Café Zürich São Paulo",
            "İstanbul ΣΊΣΥΦΟΣ σοφός",
            "Straße STRASSE ẞ",
            "naïve coöperate résumé",
            "e\u{301}cole",
            "QBR—2026-09-30: risks/issues (Q3)",
            "renewal🚀rocket 👍🏽 ok",
            "東京タワー と ひらがな",
            "서울 특별시 삼성전자",
            "ｶﾀｶﾅ half-width ﾞﾟ",
            "①②③ ⅣⅤ ½ Ⅻ",
            "ﬁnance ﬂow",
            "supercalifragilisticexpialidocious-and-then-some-more-letters",
            "",
            "   \t\n",
            "don't O'Brien's",
            "email: zhang.wei@huadong.example",
            "+86 (21) 5555-0100",
            "Привет МИР",
            "مرحبا بالعالم",
            "שָׁלוֹם",
            "हिन्दी",
            "𠀀𠀁 ext-B",
            "々〆〇 佐々木",
            "「引用」。、・",
            "Ω ohm Å angstrom K kelvin",
            "ℌ𝐀𝐁𝐂 math bold",
            "tab\u{3000}ideographic",
            "２０２６年９月３０日",
            "ＱＢＲ　レビュー",
            "Ǆemal ǅ",
            "a\u{200B}b zero\u{00A0}width",
            "C++ C# .NET",
            "华 精密",
            "re ren renew Renewals",
        ];
        let cases: Vec<serde_json::Value> = inputs
            .iter()
            .map(|s| {
                let toks: Vec<(String, u32)> = tokenize(s).into_iter().map(|t| (t.term, t.pos)).collect();
                let qts: Vec<(String, bool, Option<String>)> =
                    query_terms(s).into_iter().map(|t| (t.text, t.prefix, t.alt)).collect();
                serde_json::json!({"input": s, "normalized": normalize(s), "tokens": toks, "query_terms": qts})
            })
            .collect();
        std::fs::create_dir_all(tests_data()).unwrap();
        let json = serde_json::to_string_pretty(&cases).unwrap() + "\n";
        std::fs::write(tests_data().join("tokens.json"), json).unwrap();
        run_node("check_tokens.mjs");
    }

    /// Run a cross-check script with node when it is installed (search.js must agree
    /// with this module); without node the Rust side still ran.
    fn run_node(script: &str) {
        if std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("skipped: node is not installed, {script} not run");
            return;
        }
        let o = std::process::Command::new("node")
            .arg(tests_data().join(script))
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{script} failed:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// Writes a small index with tiny heads/shards to tests_data/fixture and
    /// the reference results to tests_data/queries.json; `node
    /// tests_data/check_query.mjs` runs search.js's engine over it.
    #[test]
    fn write_engine_cross_check() {
        let mut docs = corpus();
        docs.extend(synthetic(40, 11));
        let (files, _) = build_with(
            &docs,
            Params {
                head: 15,
                shard_bytes: 3000,
                chunk_bytes: 1200,
            },
        );
        let root = tests_data().join("fixture");
        let _ = std::fs::remove_dir_all(&root);
        for f in &files {
            let path = root.join(&f.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &f.bytes).unwrap();
        }
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], usize);
        let cases: &[Case] = &[
            ("customer", &[], 10),
            ("customer", &[], 3),
            ("renew", &[], 10),
            ("acm", &[], 5),
            ("精密", &[], 10),
            ("精", &[], 10),
            ("华东 bearing", &[], 10),
            ("客户", &[], 10),
            ("risk contract", &[], 10),
            ("contract risk pricing", &[], 5),
            ("acme zzz", &[], 10),
            ("zzz", &[], 10),
            ("supply", &[("tier", "Strategic")], 10),
            ("customer", &[("type", "review")], 10),
            ("renewal", &[("region", "EMEA"), ("status", "Active")], 10),
            ("service", &[], 20),
            ("qbr 2026", &[], 10),
            ("renewals", &[], 10),
            ("companies risks", &[], 10),
            ("supplies", &[], 5),
            ("li", &[], 10),
            ("交货", &[], 10),
            ("华", &[("type", "account")], 10),
        ];
        let expect: Vec<serde_json::Value> = cases
            .iter()
            .map(|(q, filters, limit)| {
                let hits: Vec<(String, f64)> = query_filtered(&files, q, filters)
                    .into_iter()
                    .take(*limit)
                    .collect();
                let filters: BTreeMap<&str, &str> = filters.iter().copied().collect();
                serde_json::json!({"q": q, "filters": filters, "limit": limit, "results": hits})
            })
            .collect();
        let json = serde_json::to_string_pretty(&expect).unwrap() + "\n";
        std::fs::write(tests_data().join("queries.json"), json).unwrap();
        run_node("check_query.mjs");
    }

    // ------------------------------------------------------ synthetic corpus + scale

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            // xorshift64*
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        /// Zipf-ish rank in 0..n: skewed towards small ranks.
        fn zipf(&mut self, n: usize) -> usize {
            let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
            (((n as f64 + 1.0).powf(u) - 1.0) as usize).min(n - 1)
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len())]
        }
    }

    const EN: &[&str] = &[
        "customer",
        "renewal",
        "risk",
        "contract",
        "pricing",
        "support",
        "service",
        "bearing",
        "supply",
        "delivery",
        "budget",
        "champion",
        "expansion",
        "quarter",
        "review",
        "escalation",
        "forecast",
        "procurement",
        "integration",
        "roadmap",
        "adoption",
        "discount",
        "invoice",
        "warehouse",
        "logistics",
        "compliance",
        "security",
        "upgrade",
        "migration",
        "training",
        "onboarding",
        "executive",
        "sponsor",
    ];
    const HAN: &str = "客户续约风险合同价格支持服务轴承供应交货预算冠军扩展季度审查升级预测采购集成路线图采用折扣发票仓库物流合规安全迁移培训入职高管赞助精密机械科技有限公司华东华南北京深圳上海杭州苏州电子能源医疗汽车零件";

    fn en_word(rng: &mut Rng) -> String {
        let r = rng.zipf(3000);
        match EN.get(r) {
            Some(w) => w.to_string(),
            None => pseudo_word(r),
        }
    }

    /// Pronounceable pseudo-word for the long tail, stable per rank.
    fn pseudo_word(r: usize) -> String {
        const SYL: [&str; 16] = [
            "ka", "lo", "mi", "ne", "ru", "ta", "vi", "so", "pe", "da", "gri", "mon", "tel", "xa",
            "bor", "qui",
        ];
        let mut x = r * 2_654_435_761 % 65_521;
        let mut w = String::new();
        for _ in 0..3 {
            w.push_str(SYL[x % 16]);
            x /= 16;
        }
        w + &r.to_string()
    }

    fn zh_word(rng: &mut Rng) -> String {
        let chars: Vec<char> = HAN.chars().collect();
        let r = rng.zipf(600);
        let len = 2 + r % 2;
        (0..len)
            .map(|i| chars[(r * 7 + i * 13) % chars.len()])
            .collect()
    }

    fn text(rng: &mut Rng, words: usize) -> String {
        let mut s = String::new();
        let zh = rng.below(3) == 0;
        for i in 0..words {
            if zh && rng.below(4) != 0 {
                s.push_str(&zh_word(rng));
                if rng.below(8) == 0 {
                    s.push('，');
                }
            } else {
                if i > 0 {
                    s.push(' ');
                }
                s.push_str(&en_word(rng));
            }
        }
        s
    }

    /// `accounts` accounts × 5 docs (account, 2 contacts, plan, review); the
    /// reviews (20%) have 100–300-word bodies, mixed Chinese/English.
    fn synthetic(accounts: usize, seed: u64) -> Vec<SearchDoc> {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let tiers = ["Strategic", "Key", "Growth", "Maintain"];
        let statuses = ["Active", "At risk", "Churned", "Prospect"];
        let regions = ["APAC", "EMEA", "NA", "LATAM", "China"];
        let first = [
            "Ana", "Ben", "Chen", "Dana", "Eli", "Fay", "Gus", "Hua", "Ivan", "Jin", "Kai", "Lena",
            "Li", "Mo", "Nia",
        ];
        let last = [
            "Wang", "Smith", "Garcia", "Zhang", "Müller", "Kim", "Rossi", "Liu", "Novak", "Sato",
        ];
        let mut docs = Vec::with_capacity(accounts * 5);
        for a in 0..accounts {
            let name = if rng.below(10) < 3 {
                let zh: Vec<char> = HAN.chars().collect();
                let mid: String = (0..2).map(|_| zh[rng.below(zh.len())]).collect();
                format!(
                    "{}{}{}有限公司",
                    rng.pick(&["华东", "华南", "北京", "深圳", "上海"]),
                    mid,
                    rng.pick(&["精密机械", "科技", "物流", "电子"])
                )
            } else {
                let w = en_word(&mut rng);
                let mut c = w.chars();
                let cap: String = c.next().unwrap().to_uppercase().chain(c).collect();
                format!(
                    "{cap} {} {a}",
                    rng.pick(&[
                        "Industrial",
                        "Logistics",
                        "Holdings",
                        "Health",
                        "Energy",
                        "Systems"
                    ])
                )
            };
            let slug = format!("acct-{a:05}");
            let owner = format!("{} {}", first[a % first.len()], last[a / 7 % last.len()]);
            let facets = std::sync::Arc::new(Facets {
                tier: rng.pick(&tiers).into(),
                status: rng.pick(&statuses).into(),
                region: rng.pick(&regions).into(),
                owner: if a % 50 == 49 { String::new() } else { owner },
            });
            let mut push = |kind, url: String, title: String, fields: Vec<(Field, String)>| {
                docs.push(SearchDoc {
                    kind,
                    url,
                    title,
                    account: name.clone(),
                    facets: facets.clone(),
                    fields,
                });
            };
            let body = text(&mut rng, 12);
            push(
                Account,
                format!("accounts/{slug}/"),
                name.clone(),
                vec![(Body, body)],
            );
            for c in 0..2 {
                let person = format!("{} {}", rng.pick(&first), rng.pick(&last));
                let contact = format!(
                    "{}@{slug}.example {}",
                    person.to_lowercase().replace(' ', "."),
                    rng.pick(&["CFO", "VP Operations", "Buyer", "采购经理"])
                );
                let body = text(&mut rng, 8);
                push(
                    Contact,
                    format!("accounts/{slug}/contacts/{c}/"),
                    person,
                    vec![(Field::Contact, contact), (Body, body)],
                );
            }
            let plan = vec![
                (Heading, "Goals".to_string()),
                (Heading, "Risks".to_string()),
                (Body, text(&mut rng, 30)),
            ];
            push(
                Plan,
                format!("accounts/{slug}/plan/"),
                format!("Plan — {name}"),
                plan,
            );
            let words = 100 + rng.below(201);
            let review = vec![
                (Heading, "Summary".to_string()),
                (Heading, "Risks".to_string()),
                (Body, text(&mut rng, words)),
            ];
            push(
                Review,
                format!("accounts/{slug}/reviews/2026-q{}/", 1 + a % 4),
                format!("QBR 2026 Q{} — {name}", 1 + a % 4),
                review,
            );
        }
        docs
    }

    /// Bytes a browser fetches for a first single-term query: manifest + the
    /// shards searched + doc chunks of the top 10.
    fn first_query_bytes(files: &[IndexFile], q: &str) -> (usize, usize, usize, usize) {
        let r = Reader::new(files).unwrap();
        let size = |dir: &str, h: &str| r.files[format!("search/{dir}/{h}.json").as_str()].len();
        let mut shards = BTreeSet::new();
        for t in query_terms(q) {
            shards.extend(r.shards_for(&t));
        }
        let top = query_docs(&r, q, &[]);
        let chunks: BTreeSet<usize> = top
            .iter()
            .take(10)
            .map(|h| h.0 as usize / r.m.doc_chunk)
            .collect();
        let m = files[0].bytes.len();
        let s: usize = shards.iter().map(|&i| size("t", nth(&r.m.shards, i))).sum();
        let d: usize = chunks
            .iter()
            .map(|&i| size("d", &doc_file(&r.m.doc_files, i)))
            .sum();
        (m + s + d, s, d, chunks.len())
    }

    /// 50,000 docs. Run: cargo test --release -- --ignored scale --nocapture
    /// (set SEARCH_SCALE_OUT=dir to also write the site for a browser check).
    #[test]
    #[ignore]
    fn scale_50k_docs() {
        let t = std::time::Instant::now();
        let docs = synthetic(10_000, 42);
        let gen = t.elapsed();
        let (files, stats) = build_index(&docs);
        let built = t.elapsed() - gen;
        let count = |p: &str| files.iter().filter(|f| f.path.starts_with(p)).count();
        let bytes = |p: &str| {
            files
                .iter()
                .filter(|f| f.path.starts_with(p))
                .map(|f| f.bytes.len())
                .sum::<usize>()
        };
        println!(
            "docs {} terms {} generated in {gen:?}, built in {built:?}",
            stats.docs, stats.terms
        );
        println!(
            "files {} total {} B, manifest {} B",
            files.len(),
            stats.total_bytes,
            stats.manifest_bytes
        );
        for p in ["search/t/", "search/p/", "search/d/", "search/f/"] {
            let (c, b) = (count(p), bytes(p));
            println!("  {p}: {c} files, {b} B, avg {} B", b / c.max(1));
        }
        let max_shard = files
            .iter()
            .filter(|f| f.path.starts_with("search/t/"))
            .map(|f| f.bytes.len())
            .max();
        println!("  largest shard {max_shard:?} B");
        let rare = pseudo_word(2999);
        for q in [
            "customer",
            &rare,
            "华东",
            "客户",
            "renew",
            "acct",
            "Garcia",
            "risk contract",
        ] {
            let hits = query(&files, q).len();
            let (total, s, d, c) = first_query_bytes(&files, q);
            println!(
                "query {q:?}: {hits} hits, first query {total} B (shards {s}, {c} doc chunks {d})"
            );
            assert!(total < 150 * 1024, "{q}: {total}");
        }
        assert!(stats.manifest_bytes < 64 * 1024);
        if let Ok(dir) = std::env::var("SEARCH_SCALE_OUT") {
            for f in &files {
                let path = std::path::Path::new(&dir).join(&f.path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, &f.bytes).unwrap();
            }
        }
    }
}
