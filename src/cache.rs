//! `dossier check` with a cache of per-account results, so the check an author runs
//! before every push re-reads only the accounts that changed.
//!
//! An account is reused when every entry of its folder has the same name, type, size,
//! modification time, change time and inode number as when it was last checked, and the
//! binary, dossier.toml and the date are the same. Only the account's own results are
//! reused ([`AccountFacts`]: its loader and rule findings, its links, what can link to
//! it, its portfolio facts); links between files and the portfolio rules run every time.
//! Files edited in the last seconds before a check are never cached (like git's "racy"
//! index entries: a second edit within the clock's resolution would keep the same times).
//!
//! The cache lives in `<root>/.dossier/check-cache.jsonl` (with a `.gitignore` of its
//! own): a line with the key, then one line per account, so that 10,000 accounts are
//! written and read on every core.
//! It is an optimisation only: unreadable, corrupt or foreign caches are ignored, and a
//! `.dossier` that is not a plain folder turns caching off.

use crate::check::{self, AccountFacts, LinkRef, PortfolioFacts};
use crate::date::Date;
use crate::diag::{Diagnostic, Summary};
use crate::links::Targets;
use crate::load::listing::{Listing, Parent, Stamp};
use crate::load::{self, files, FatalError};
use crate::rules::{self, Severity};
use crate::source::{SourceMap, Span};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

const DIR: &str = ".dossier";
const FILE: &str = "check-cache.jsonl";
/// Bump when the meaning of a cached entry changes.
const FORMAT: u32 = 3;
/// Files changed this recently (ns) are not cached: see the module comment.
const RACY_NS: i64 = 2_000_000_000;
/// A cache larger than this is not read (it is rebuilt).
const MAX_BYTES: u64 = 1 << 30;

/// What `dossier check` reports: the findings, the files they point into, the summary.
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
    pub summary: Summary,
    /// Accounts whose results came from the cache.
    pub reused: usize,
    /// The accounts' results the report was made from, kept so that a caller about to
    /// exit can leave them to the OS with the report (`mem::forget`) instead of freeing
    /// them one by one after the report is printed.
    held: Vec<Outcome>,
}

/// A finding as stored: the rule by its code.
#[derive(Deserialize)]
struct StoredFinding(
    String,
    Severity,
    String,
    Option<Span>,
    String,
    Option<String>,
);

#[derive(Deserialize)]
struct Entry {
    stamp: Vec<Stamp>,
    files: usize,
    findings: Vec<StoredFinding>,
    links: Vec<LinkRef>,
    targets: Targets,
    portfolio: PortfolioFacts,
}

/// The first line of the cache file; every further line is one `[slug, Entry]`.
#[derive(Serialize)]
struct Header<'a> {
    key: &'a str,
}

/// An [`Entry`] to write, borrowed from the account's results (the same JSON).
#[derive(Serialize)]
struct EntryRef<'a> {
    stamp: &'a [Stamp],
    files: usize,
    findings: Vec<StoredFindingRef<'a>>,
    links: &'a [LinkRef],
    targets: &'a Targets,
    portfolio: &'a PortfolioFacts,
}

type StoredFindingRef<'a> = (
    &'a str,
    Severity,
    &'a str,
    &'a Option<Span>,
    &'a str,
    &'a Option<String>,
);

impl<'a> EntryRef<'a> {
    fn of(stamp: &'a [Stamp], f: &'a AccountFacts) -> EntryRef<'a> {
        EntryRef {
            stamp,
            files: f.files,
            findings: f
                .findings
                .iter()
                .map(|d| {
                    (
                        d.rule.code,
                        d.severity,
                        &*d.file,
                        &d.span,
                        &*d.message,
                        &d.help,
                    )
                })
                .collect(),
            links: &f.links,
            targets: &f.targets,
            portfolio: &f.portfolio,
        }
    }
}

impl Entry {
    /// None if a rule code is unknown (a cache from another version: re-read).
    fn facts(&self, slug: &str) -> Option<AccountFacts> {
        let findings = self
            .findings
            .iter()
            .map(|StoredFinding(code, severity, file, span, message, help)| {
                Some(Diagnostic {
                    rule: rules::by_code(code)?,
                    severity: *severity,
                    file: file.clone(),
                    span: span.clone(),
                    message: message.clone(),
                    help: help.clone(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(AccountFacts {
            slug: slug.to_string(),
            files: self.files,
            findings,
            links: self.links.clone(),
            targets: self.targets.clone(),
            portfolio: self.portfolio.clone(),
        })
    }
}

/// What makes every cached result invalid when it changes: this binary, the cache
/// format, dossier.toml and the date.
fn cache_key(config_text: &str, today: Date) -> String {
    use std::hash::{Hash, Hasher};
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let t = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok());
            format!("{}-{}", m.len(), t.map_or(0, |t| t.as_nanos()))
        })
        .unwrap_or_default();
    let mut h = std::hash::DefaultHasher::new();
    config_text.hash(&mut h);
    format!(
        "v{FORMAT} {} exe:{exe} config:{:016x} today:{today}",
        env!("CARGO_PKG_VERSION"),
        h.finish()
    )
}

/// The cache folder, if it is usable: absent (created on save) or a plain folder.
fn cache_dir(root: &Path) -> Option<PathBuf> {
    let dir = root.join(DIR);
    match std::fs::symlink_metadata(&dir) {
        Ok(m) if m.is_dir() => Some(dir),
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(dir),
        Err(_) => None,
    }
}

/// The cache's first line: its key.
fn header(key: &str) -> Option<String> {
    let mut line = serde_json::to_string(&Header { key }).ok()?;
    line.push('\n');
    Some(line)
}

/// Whether the stored cache was written for `key`, from its first line; reading and
/// parsing all of it takes longer than listing.
fn cache_matches(dir: &Path, key: &str) -> bool {
    use std::io::Read;
    let Some(want) = header(key) else {
        return false;
    };
    let mut head = vec![0u8; want.len()];
    std::fs::File::open(dir.join(FILE)).is_ok_and(|mut f| f.read_exact(&mut head).is_ok())
        && head == want.as_bytes()
}

/// The stored entries, if the cache is for `key` and every line of it reads.
fn read_cache(dir: &Path, key: &str) -> HashMap<String, Entry> {
    let path = dir.join(FILE);
    let fresh = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= MAX_BYTES);
    let bytes = fresh.then(|| std::fs::read(&path).ok()).flatten();
    let (Some(bytes), Some(want)) = (bytes, header(key)) else {
        return HashMap::new();
    };
    let Some(body) = bytes.strip_prefix(want.as_bytes()) else {
        return HashMap::new();
    };
    // One account per line: the lines parse in parallel.
    let lines: Vec<&[u8]> = body
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    lines
        .par_iter()
        .map(|line| serde_json::from_slice::<(String, Entry)>(line))
        .collect::<Result<HashMap<_, _>, _>>()
        .unwrap_or_default()
}

/// Write the cache beside itself and rename it into place: a reader never sees half a
/// file. Failures are ignored — the next check is just slower.
fn write_cache<'a>(dir: &Path, key: &str, accounts: impl Iterator<Item = (&'a str, EntryRef<'a>)>) {
    use std::io::Write;
    let write = move || -> std::io::Result<()> {
        if !dir.exists() {
            std::fs::create_dir(dir)?;
            std::fs::write(dir.join(".gitignore"), "# dossier's local cache\n*\n")?;
        }
        // The file of format 1 (one JSON document), if an older dossier left one.
        let _ = std::fs::remove_file(dir.join("check-cache.json"));
        let tmp = dir.join(format!("{FILE}.{}.tmp", std::process::id()));
        // Streamed through one buffer: the file is 15 MB at 10,000 accounts, and a copy
        // of it in memory cost more in fresh pages than serializing costs on one core.
        let stream = || -> std::io::Result<()> {
            let header = header(key).ok_or_else(|| std::io::Error::other("key"))?;
            let file = std::fs::File::create(&tmp)?;
            let mut out = std::io::BufWriter::with_capacity(1 << 18, file);
            out.write_all(header.as_bytes())?;
            for entry in accounts {
                serde_json::to_writer(&mut out, &entry)?;
                out.write_all(b"\n")?;
            }
            out.into_inner()
                .map_err(std::io::IntoInnerError::into_error)?;
            std::fs::rename(&tmp, dir.join(FILE))
        };
        stream().inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    };
    let _ = write();
}

/// What the report needs of an account's files to place and quote `findings`: each
/// file with a finding that has a span, cut after the last line a span reaches (a
/// quarter of the text of the files, at 10,000 accounts, and fewer fresh pages).
fn quoted(findings: &[Diagnostic], files: &SourceMap) -> Vec<crate::source::SourceFile> {
    let mut ends: Vec<(&str, usize)> = findings
        .iter()
        .filter_map(|d| {
            let span = d.span.as_ref()?;
            Some((d.file.as_str(), span.end.max(span.start)))
        })
        .collect();
    // the furthest end in each file
    ends.sort_unstable_by(|a, b| a.0.cmp(b.0).then(b.1.cmp(&a.1)));
    ends.dedup_by(|later, first| later.0 == first.0);
    ends.iter()
        .filter_map(|&(file, end)| Some(files.get(file)?.through_line_of(end)))
        .collect()
}

/// One account's outcome in a cached check.
struct Outcome {
    facts: AccountFacts,
    stamp: Option<Vec<Stamp>>,
    reused: bool,
    /// Re-read accounts: the files their findings point into.
    sources: Vec<crate::source::SourceFile>,
}

/// Load and check the site at `root` like [`crate::check_site`], reusing the cached
/// results of unchanged accounts (with `use_cache`; without it, the cache is not read
/// but is still refreshed).
pub fn check(root: &Path, today: Option<Date>, use_cache: bool) -> Result<Report, FatalError> {
    check_and(root, today, use_cache, |_| ()).map(|(report, ())| report)
}

/// [`check`], running `then` on the report (e.g. printing it) while the refreshed cache
/// is written on another thread: both are done when this returns.
pub fn check_and<R>(
    root: &Path,
    today: Option<Date>,
    use_cache: bool,
    then: impl FnOnce(&Report) -> R,
) -> Result<(Report, R), FatalError> {
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    let t0 = std::time::Instant::now();
    let (site, slugs) = load::load_root(root, today)?;
    crate::timing("cache: load root", t0);
    let config_text = site.sources.get("dossier.toml").map_or("", |s| &s.text);
    let key = cache_key(config_text, site.today);
    let dir = cache_dir(root);
    let t = std::time::Instant::now();
    let (config, today) = (&site.config, site.today);
    let folder = |slug: &str| format!("content/accounts/{slug}");
    // With a cache of this binary, config and day: parse it on one thread while the
    // other lists the accounts to compare. Without one, every account is read, and each
    // is listed as it is read (below).
    let warm = use_cache && dir.as_deref().is_some_and(|d| cache_matches(d, &key));
    let (old, listings) = if warm {
        rayon::join(
            || {
                dir.as_deref()
                    .map(|d| read_cache(d, &key))
                    .unwrap_or_default()
            },
            || {
                slugs
                    .par_iter()
                    .map(|slug| Some(Listing::walk(root, &folder(slug))))
                    .collect::<Vec<_>>()
            },
        )
    } else {
        (HashMap::new(), slugs.iter().map(|_| None).collect())
    };
    crate::timing("cache: list + read", t);
    let t = std::time::Instant::now();
    let parent = Parent::open(root, "content/accounts");
    let mut outcomes: Vec<Outcome> = slugs
        .par_iter()
        .zip(listings)
        .map(|(slug, listing)| {
            let listing = listing.unwrap_or_else(|| {
                let max = config.limits.max_file_bytes;
                Listing::read_in(&parent, slug, load::read_by_loader, max)
            });
            let cached = match (listing.stamps(), old.get(slug)) {
                (Some(now), Some(entry)) if now == entry.stamp.as_slice() => entry.facts(slug),
                _ => None,
            };
            if let Some(facts) = cached {
                return Outcome {
                    facts,
                    stamp: listing.into_stamps(),
                    reused: true,
                    sources: Vec::new(),
                };
            }
            // read from the same listing: each folder is listed once
            let (acc, srcs, loader) = load::load_listed(root, slug, &listing, config, today);
            let mut map = SourceMap::default();
            map.insert_all(srcs);
            let (_, facts) = check::account(config, today, &acc, &map, loader);
            let sources = quoted(&facts.findings, &map);
            Outcome {
                facts,
                stamp: listing.into_stamps(),
                reused: false,
                sources,
            }
        })
        .collect();

    crate::timing("cache: accounts", t);
    let t = std::time::Instant::now();
    let quoted: Vec<_> = outcomes
        .iter_mut()
        .flat_map(|o| o.sources.drain(..))
        .collect();
    let reused = outcomes.iter().filter(|o| o.reused).count();
    let changed = reused != outcomes.len() || old.len() != outcomes.len();
    let held = outcomes;
    let outcomes = &held;
    // The cache is written from the accounts' results alone: on another thread while
    // this one runs the rules across accounts and prints the report.
    let store = move || {
        drop(old); // freed here, beside the report, not before it
        let t = std::time::Instant::now();
        let Some(dir) = dir.filter(|_| changed) else {
            return;
        };
        let racy = |s: &Stamp| s.changed_ns() >= started - RACY_NS;
        // each account's entry made as it is written
        let accounts = outcomes.iter().filter_map(|o| {
            let stamp = o.stamp.as_deref().filter(|st| !st.iter().any(racy))?;
            Some((o.facts.slug.as_str(), EntryRef::of(stamp, &o.facts)))
        });
        write_cache(&dir, &key, accounts);
        crate::timing("cache: write (beside the report)", t);
    };
    let (mut report, after) = std::thread::scope(|s| {
        s.spawn(store);
        let refs: Vec<&AccountFacts> = outcomes.iter().map(|o| &o.facts).collect();
        let diagnostics = check::finish(
            config,
            site.home.as_ref(),
            &site.guides,
            site.diagnostics.clone(),
            &refs,
        );
        let files = site.sources.len() + outcomes.iter().map(|o| o.facts.files).sum::<usize>();
        let summary = Summary::count(&diagnostics, files, outcomes.len());
        let mut sources = site.sources;
        sources.insert_all(quoted);
        // Reused accounts' findings still quote their files: read just those files.
        let wanted: Vec<&str> = crate::diag::quoted_files(&diagnostics)
            .into_iter()
            .filter(|f| sources.get(f).is_none() && f.starts_with("content/"))
            .collect();
        let read: Vec<_> = wanted
            .par_iter()
            .filter_map(|f| files::read_text(root, f, &config.limits).0)
            .collect();
        sources.insert_all(read);
        crate::timing("cache: finish + quoted files", t);
        let report = Report {
            diagnostics,
            sources,
            summary,
            reused,
            held: Vec::new(),
        };
        let after = then(&report);
        (report, after)
    });
    report.held = held;
    Ok((report, after))
}
